"""One module per concern; `infrastructure.stack.CoachwireStack` composes them."""
