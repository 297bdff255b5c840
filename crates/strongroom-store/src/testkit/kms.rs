//! Conformance cases for the KMS store.
