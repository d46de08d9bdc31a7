"""The fault injector's own rules: faults fire only inside trigger invocations, and never on an invocation that
holds a record on its last receive before the dead-letter queue (so a fault-rate test proves retries recover,
without dead-lettering a record whenever thread timing lines up five faults on it)."""

from __future__ import annotations

import threading

from coachwire import spine
from coachwire_tools.local.faults import POLLER_THREAD_PREFIX, FaultInjector, FaultRates


class _Loader:
    """Stands in for the dispatcher's HandlerLoader: its handler asks the injector whether a fault fires."""

    def __init__(self, injector: FaultInjector) -> None:
        self.injector = injector

    def handler(self, name: str):
        return lambda event, context: self.injector._draw("ses_throttle", self.injector.rates.ses_throttle)


def _sqs_event(*receive_counts: int) -> dict:
    return {"Records": [{"messageId": f"m{i}", "attributes": {"ApproximateReceiveCount": str(count)}}
                        for i, count in enumerate(receive_counts)]}


def _invoke_on_poller_thread(handler, event: dict) -> bool:
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(handler(event, None)),
                              name=f"{POLLER_THREAD_PREFIX}test")
    thread.start()
    thread.join()
    return result[0]


def test_faults_fire_on_early_receives_and_spare_the_last_one() -> None:
    trigger = spine.TRIGGERS_BY_NAME["notification_delivery"]
    injector = FaultInjector(FaultRates(ses_throttle=1.0), seed=1)
    loader = _Loader(injector)
    injector._wrap(loader)
    handler = loader.handler(trigger.name)

    assert _invoke_on_poller_thread(handler, _sqs_event(1)) is True
    assert _invoke_on_poller_thread(handler, _sqs_event(1, trigger.max_receive_count - 1)) is True
    assert _invoke_on_poller_thread(handler, _sqs_event(1, trigger.max_receive_count)) is False
    assert injector.spared_invocations == 1
    assert injector.injected["ses_throttle"] == 2


def test_faults_never_fire_outside_trigger_invocations() -> None:
    injector = FaultInjector(FaultRates(ses_throttle=1.0), seed=1)
    assert injector._draw("ses_throttle", 1.0) is False  # the test's own thread: a caller's read, not a trigger
