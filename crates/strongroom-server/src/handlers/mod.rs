//! Routing an authenticated call to its service's handler: one `match` over the services.

pub(crate) mod acm_pca;
mod iam;
mod kms;
pub(crate) mod rolesanywhere;
mod secretsmanager;
mod strongroom_rotation;
mod sts;

use strongroom_service::{Caller, Services};

use crate::http::dispatch::{Call, HandlerResult};

pub async fn handle(services: &Services, caller: &Caller, call: &Call<'_>) -> HandlerResult {
    match call.spec.name {
        "acm-pca" => acm_pca::handle(services, caller, call).await,
        "iam" => iam::handle(services, caller, call).await,
        "kms" => kms::handle(services, caller, call).await,
        "rolesanywhere" => rolesanywhere::handle(services, caller, call).await,
        "secretsmanager" => secretsmanager::handle(services, caller, call).await,
        "sts" => sts::handle(services, caller, call).await,
        "strongroom" => strongroom_rotation::handle(services, caller, call).await,
        _ => Err(call.unknown_operation()),
    }
}
