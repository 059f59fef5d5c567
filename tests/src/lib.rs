//! Integration tests of the topology framework live under `tests/`.
