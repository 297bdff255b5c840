//! Fuzz the policy parser: any bytes either fail to parse or yield a policy that evaluates without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_policy::{
    Policy, PolicyKind, PolicySet, Principal, Request, RequestContext, evaluate,
};
use strongroom_types::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let kinds = [
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::Trust,
        PolicyKind::Session,
        PolicyKind::Boundary,
    ];
    let mut principal = Principal::user("111122223333", "Alice");
    principal.user_id = Some("AIDAALICE".to_owned());
    principal.tags.push(("team".to_owned(), "db".to_owned()));
    let now = OffsetDateTime::from_unix_timestamp(1_717_243_200).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let ctx = RequestContext::new(
        principal,
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
        now,
    )
    .with("aws:SourceIp", "203.0.113.7")
    .with("aws:SecureTransport", true)
    .with("aws:TagKeys", vec!["env".to_owned(), "team".to_owned()])
    .with("aws:ResourceTag/env", "prod");
    for kind in kinds {
        let Ok(policy) = Policy::parse(text, kind) else { continue };
        let one = std::slice::from_ref(&policy);
        let sets = match kind {
            PolicyKind::Identity => vec![PolicySet { identity: one, ..PolicySet::default() }],
            PolicyKind::Resource | PolicyKind::Trust => {
                vec![PolicySet { resource: Some(&policy), ..PolicySet::default() }]
            }
            PolicyKind::Boundary => vec![PolicySet { boundary: Some(&policy), ..PolicySet::default() }],
            PolicyKind::Session => vec![PolicySet { session: one, ..PolicySet::default() }],
        };
        for policies in sets {
            let decision = evaluate(&Request { context: &ctx, policies });
            let _ = decision.explain();
        }
    }
});
