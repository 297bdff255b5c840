//! Secrets Manager request and response shapes (awsJson1_1, target prefix `secretsmanager`).
