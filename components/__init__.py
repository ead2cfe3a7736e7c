"""UI layer: one module per tab. Each builds its widgets, wires events to plain handler functions
and turns model-layer errors into messages; none does model math."""
