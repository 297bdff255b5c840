//! KMS request and response shapes (awsJson1_1, target prefix `TrentService`).
