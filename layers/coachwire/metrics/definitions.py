"""Coachwire's versioned metric definitions, as data. Every figure a report shows names its definition by
`MetricDefinition.ref` ("adoption@1"); docs/metrics.md is `render_markdown()` (tests/metrics check it has not
drifted). A change in meaning is a new version, never an edit of a published one.

No standard body publishes formulas for most coaching metrics; ISO 30414 names categories. Each definition maps to
its ISO 30414 area where one fits and says why where none does.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Iso30414(StrEnum):
    """ISO 30414:2018 human capital reporting areas (the ones these metrics can map to)."""

    LEADERSHIP = "Leadership"
    ORGANIZATIONAL_CULTURE = "Organizational culture"
    RECRUITMENT_MOBILITY_TURNOVER = "Recruitment, mobility and turnover"
    SKILLS_AND_CAPABILITIES = "Skills and capabilities"


class Statistic(StrEnum):
    WILSON_PROPORTION = "wilson_proportion"
    KAPLAN_MEIER_MEDIAN = "kaplan_meier_median"
    T_MEAN = "t_mean"
    ENPS = "enps"
    RECONCILIATION = "reconciliation"


STATISTIC_TEXT: dict[Statistic, str] = {
    Statistic.WILSON_PROPORTION: "proportion with a Wilson 95 % interval; a change against a baseline is a "
                                 "difference in differences (or a Newcombe difference with one baseline)",
    Statistic.KAPLAN_MEIER_MEDIAN: "Kaplan-Meier median with a 95 % interval (right-censored); cohorts compared "
                                   "with a log-rank test",
    Statistic.T_MEAN: "mean with a Student t 95 % interval, response rate beside it",
    Statistic.ENPS: "eNPS (promoters 9-10 minus detractors 0-6, -100..100) with a 95 % interval from the "
                    "multinomial variance, response rate beside it",
    Statistic.RECONCILIATION: "exact counts, no sampling: every accepted event is accounted for",
}


class MetricDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    name: str
    kind: Literal["pilot_criterion", "outcome"]
    numerator: str
    denominator: str
    window: str
    population: str
    exclusions: tuple[str, ...]
    minimum_n: int = Field(ge=1, description="below this the figure is shown as insufficient data, not a number")
    iso_30414: Iso30414 | None
    iso_30414_note: str = Field(description="which ISO 30414 metric it corresponds to, or why none fits")
    statistics: tuple[Statistic, ...] = Field(min_length=1)
    typical_target: str | None = None

    @model_validator(mode="after")
    def _note_explains_a_missing_category(self) -> MetricDefinition:
        if not self.iso_30414_note.strip():
            raise ValueError(f"{self.key}: say which ISO 30414 metric this is, or why none fits")
        return self

    @property
    def ref(self) -> str:
        return f"{self.key}@{self.version}"


_SURVEY_MIN = 5  # anonymity: no figure from fewer than 5 respondents

DEFINITIONS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        key="adoption", version=1, name="Adoption", kind="pilot_criterion",
        numerator="pilot employees with at least one meaningful action in the calendar month: opened a "
                  "recommendation, changed their plan, completed an item, or acted on a message (audit actions "
                  "`engagement.*`)",
        denominator="pilot headcount on the last day of the month",
        window="calendar month", population="the pilot cohort as registered",
        exclusions=("people who left before the month started", "people who opted out of coaching",
                    "actions by anyone other than the employee (a manager's or HR's action does not count)"),
        minimum_n=30, iso_30414=None,
        iso_30414_note="a product usage measure, not a human capital metric; ISO 30414 has no counterpart",
        statistics=(Statistic.WILSON_PROPORTION,), typical_target=">= 70 %"),
    MetricDefinition(
        key="manager_utilisation", version=1, name="Manager utilisation of insights", kind="pilot_criterion",
        numerator="managers answering that they used the insights in their 1:1s (4 or 5 on the 5-point item)",
        denominator="managers of pilot employees who answered the day-30 or day-60 pulse; shown beside behaviour: "
                    "the share of their alerts acknowledged or marked discussed",
        window="day 30 and day 60 pulse of the pilot", population="managers of pilot employees",
        exclusions=("managers without a pilot report on the survey day",),
        minimum_n=_SURVEY_MIN, iso_30414=None,
        iso_30414_note="self-reported use of a tool; ISO 30414 leadership metrics measure trust in and span of "
                       "leaders, not this",
        statistics=(Statistic.WILSON_PROPORTION,), typical_target="set per pilot"),
    MetricDefinition(
        key="skill_progression", version=1, name="Skill proficiency progression", kind="pilot_criterion",
        numerator="pilot employees with a flagged gap whose level on that skill rose by at least 1 within 60 days of "
                  "the flag",
        denominator="pilot employees with a gap flagged at least 60 days before the end of the window",
        window="60 days from each flag", population="the pilot cohort as registered",
        exclusions=("gaps flagged less than 60 days before the report date (not yet decidable)",
                    "people who left or changed role within the 60 days"),
        minimum_n=30, iso_30414=Iso30414.SKILLS_AND_CAPABILITIES,
        iso_30414_note="closest to the workforce competency rate",
        statistics=(Statistic.WILSON_PROPORTION,), typical_target="set per pilot"),
    MetricDefinition(
        key="trigger_reliability", version=1, name="Trigger reliability", kind="pilot_criterion",
        numerator="accepted HRIS events with a terminal outcome: succeeded, no action, stale or dead-lettered; "
                  "silent (accepted, no terminal outcome after the configured time) is reported on its own",
        denominator="HRIS events accepted for the pilot cohort",
        window="the pilot period, reconciled daily", population="every HRIS event accepted for the pilot cohort",
        exclusions=("events accepted less than the configured time ago (not yet decidable)",),
        minimum_n=1, iso_30414=None,
        iso_30414_note="a system operations measure, not a human capital metric",
        statistics=(Statistic.RECONCILIATION,), typical_target="100 % accounted, silent = 0"),
    MetricDefinition(
        key="employee_sentiment", version=1, name="Employee sentiment (pulse)", kind="pilot_criterion",
        numerator="mean of the 5-point usefulness and trust items; eNPS of the 0-10 item",
        denominator="respondents to the pulse (response rate = respondents / invited, shown beside the score)",
        window="day 30 and day 60 pulse of the pilot", population="pilot employees invited to the pulse",
        exclusions=("people who opted out of surveys", "breakdowns with fewer than 5 respondents (suppressed)"),
        minimum_n=_SURVEY_MIN, iso_30414=Iso30414.ORGANIZATIONAL_CULTURE,
        iso_30414_note="an engagement/satisfaction score, scoped to the coaching programme",
        statistics=(Statistic.T_MEAN, Statistic.ENPS), typical_target="improvement from day 30 to day 60"),
    MetricDefinition(
        key="time_to_competency", version=1, name="Time to competency", kind="outcome",
        numerator="days from role start (hire or role change) until proficient: at or above the role benchmark on "
                  "every critical skill of the role",
        denominator="people who started a role in the window; those not yet proficient are censored at the report "
                    "date, leavers at their leaving date",
        window="role starts in the period, followed to the report date", population="pilot or comparison cohort",
        exclusions=("roles without a benchmark on their critical skills",
                    "people already proficient at role start (time 0, reported apart)"),
        minimum_n=20, iso_30414=Iso30414.SKILLS_AND_CAPABILITIES,
        iso_30414_note="ISO 30414 has no time-to-competency metric; closest area is skills and capabilities",
        statistics=(Statistic.KAPLAN_MEIER_MEDIAN,)),
    MetricDefinition(
        key="internal_mobility", version=1, name="Internal mobility rate", kind="outcome",
        numerator="people with a mobility event (promotion or lateral move) in the period; also reported: open "
                  "roles above entry level filled internally",
        denominator="average headcount over the period (mean of the monthly headcounts); for the second figure, "
                    "open roles above entry level filled in the period",
        window="calendar quarter", population="pilot or comparison cohort",
        exclusions=("moves caused by a reorganisation with no change of role",),
        minimum_n=30, iso_30414=Iso30414.RECRUITMENT_MOBILITY_TURNOVER,
        iso_30414_note="percentage of positions filled internally; internal mobility rate",
        statistics=(Statistic.WILSON_PROPORTION,)),
    MetricDefinition(
        key="high_performer_retention", version=1, name="High-performer retention", kind="outcome",
        numerator="voluntary leavers among top-quartile performers in the period (retention = 1 - this rate)",
        denominator="top-quartile performers (by the latest performance rating) at the start of the period",
        window="calendar quarter", population="pilot or comparison cohort with a performance rating",
        exclusions=("involuntary leavers (dismissal, redundancy, end of contract)", "people without a rating"),
        minimum_n=30, iso_30414=Iso30414.RECRUITMENT_MOBILITY_TURNOVER,
        iso_30414_note="voluntary turnover rate, restricted to the top performance quartile",
        statistics=(Statistic.WILSON_PROPORTION,)),
    MetricDefinition(
        key="skill_gap_closure", version=1, name="Skill-gap closure within 6 months", kind="outcome",
        numerator="flagged priority gaps closed by at least 1 level within 6 months of the flag",
        denominator="priority gaps flagged at least 6 months before the report date",
        window="6 months from each flag", population="pilot or comparison cohort",
        exclusions=("gaps flagged less than 6 months before the report date (not yet decidable)",
                    "gaps of people who left or changed role within the 6 months"),
        minimum_n=30, iso_30414=Iso30414.SKILLS_AND_CAPABILITIES,
        iso_30414_note="closest to the workforce competency rate and development outcomes",
        statistics=(Statistic.WILSON_PROPORTION,)),
    MetricDefinition(
        key="manager_coaching_confidence", version=1, name="Manager coaching confidence", kind="outcome",
        numerator="mean score of the managers' coaching-confidence items (5-point)",
        denominator="managers who answered (response rate = respondents / managers invited, shown beside it)",
        window="calendar quarter (quarterly survey)", population="people managers",
        exclusions=("managers who opted out of surveys", "breakdowns with fewer than 5 respondents (suppressed)"),
        minimum_n=_SURVEY_MIN, iso_30414=Iso30414.LEADERSHIP,
        iso_30414_note="a leadership capability self-assessment, next to ISO 30414's leadership trust",
        statistics=(Statistic.T_MEAN,)),
)


def definition(key: str, version: int | None = None) -> MetricDefinition:
    """The definition with this key (the latest version unless one is named)."""
    found = [item for item in DEFINITIONS if item.key == key and (version is None or item.version == version)]
    if not found:
        raise KeyError(f"no metric definition {key}" + (f"@{version}" if version is not None else ""))
    return max(found, key=lambda item: item.version)


_PREAMBLE = """\
# Metric definitions

<!-- Generated by coachwire.metrics.definitions.render_markdown(); do not edit by hand (tests/metrics checks it). -->

Coachwire publishes its own definitions because no standard body gives formulas for most coaching metrics
(ISO 30414 names reporting areas, not all formulas). Each figure in a pilot scorecard or business-review report
names its definition as `key@version`; a change of meaning is a new version, and a published version never changes.
Pilot criteria are judged against the definitions and thresholds registered when the pilot was frozen.

## Statistics

All computed in `coachwire.metrics` with numpy only; tests cross-check them against lifelines and statsmodels.

- **Proportion**: Wilson score interval.
- **Difference of two proportions**: Newcombe's hybrid score interval (from the two Wilson intervals).
- **Difference in differences** (pilot after - before, minus comparison after - before): normal interval with the
  variance summed over the four proportions, p (1 - p) / n each. This treats the four samples as independent; when
  before and after are the same people the interval is conservative (wider than needed). It equals the interaction
  of a saturated linear probability model with HC0 (robust) standard errors. Without both baselines the report
  shows the strongest design available: pilot vs comparison over the same period, else pilot after vs before
  (Newcombe), else **"no baseline"** and no effect.
- **Time to an event** (right-censored): Kaplan-Meier; Greenwood variance with the log(-log) transform for the
  pointwise interval; the median's interval is where the lower and upper pointwise curves reach 0.5
  (Brookmeyer-Crowley on the log(-log) scale). A median the curve does not reach is shown as "not reached".
  Cohorts are compared with the log-rank test (chi-square, 1 df). The people who have not got there yet are never
  left out.
- **Survey mean**: Student t interval (t quantile computed exactly, for every n); the response rate is shown
  beside every score.
- **eNPS**: promoters (9-10) minus detractors (0-6), -100..100, normal interval from the multinomial variance
  (p_promoter + p_detractor - (p_promoter - p_detractor)^2) / n, clipped to -100..100.
- **Small samples** are flagged: n < 30, or an expected count (successes or failures; promoters or detractors)
  below 5. Below a definition's minimum n the figure is "insufficient data". Survey breakdowns with fewer than 5
  respondents are suppressed.

## Definitions
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_one(item: MetricDefinition) -> str:
    iso = item.iso_30414.value if item.iso_30414 is not None else "none"
    rows = [
        ("Kind", "pilot success criterion" if item.kind == "pilot_criterion" else "outcome"),
        ("Numerator", item.numerator),
        ("Denominator", item.denominator),
        ("Window", item.window),
        ("Population", item.population),
        ("Exclusions", "; ".join(item.exclusions) if item.exclusions else "none"),
        ("Minimum n", str(item.minimum_n)),
        ("ISO 30414", f"{iso}: {item.iso_30414_note}"),
        ("Statistics", "; ".join(STATISTIC_TEXT[statistic] for statistic in item.statistics)),
    ]
    if item.typical_target is not None:
        rows.append(("Typical target", item.typical_target))
    table = "\n".join(f"| {label} | {_cell(value)} |" for label, value in rows)
    return f"### {item.name} (`{item.ref}`)\n\n| | |\n|---|---|\n{table}\n"


def render_markdown(definitions: tuple[MetricDefinition, ...] = DEFINITIONS) -> str:
    """docs/metrics.md: the statistics used and every definition, pilot criteria first."""
    ordered = sorted(definitions, key=lambda item: item.kind != "pilot_criterion")  # stable: listed order within
    return _PREAMBLE + "\n" + "\n".join(render_one(item) for item in ordered)
