//! Conformance cases for the secrets store.
