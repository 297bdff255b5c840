//! Fuzz Roles Anywhere request parsing: any method, path, query and body either fail with a wire error or
//! parse to an operation that satisfies the model's constraints (a second parse of the same input agrees).
#![no_main]

use libfuzzer_sys::fuzz_target;
use strongroom_api::rolesanywhere::Operation;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fuzz_target!(|data: &[u8]| {
    // First byte picks the method; up to the first two newlines are the path and the query; the rest is
    // the body.
    let Some((&pick, rest)) = data.split_first() else { return };
    let method = METHODS[usize::from(pick) % METHODS.len()];
    let mut parts = rest.splitn(3, |b| *b == b'\n');
    let path = parts.next().map(String::from_utf8_lossy).unwrap_or_default();
    let query = parts.next().map(String::from_utf8_lossy).unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let first = Operation::parse(method, &path, &query, body);
    let second = Operation::parse(method, &path, &query, body);
    match (first, second) {
        (Some(Ok(a)), Some(Ok(b))) => assert_eq!(a.name(), b.name()),
        (Some(Err(a)), Some(Err(b))) => {
            assert_eq!(a.code, b.code);
            assert!((400..500).contains(&a.status));
        }
        (None, None) => {}
        _ => panic!("parsing is not deterministic"),
    }
});
