//! Secrets Manager over awsJson1_1: parse the operation, call the service, render the reply.

use strongroom_service::{Caller, Services};

use crate::http::dispatch::{Call, HandlerResult};

pub async fn handle(_services: &Services, _caller: &Caller, call: &Call<'_>) -> HandlerResult {
    Err(call.unknown_operation())
}
