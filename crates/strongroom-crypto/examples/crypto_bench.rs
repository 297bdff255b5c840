//! Micro benchmark for BENCHMARKS.md: `KeyMaterial::open` of a 64-byte value and `hmac_sha256`, in ns/op.
//!
//! Run with `cargo run --release -p strongroom-crypto --example crypto_bench`.

use std::hint::black_box;
use std::time::Instant;

use strongroom_crypto::{CryptoError, EncryptionContext, KeyMaterial, hash};

const ITERATIONS: u32 = 100_000;

fn report(name: &str, started: Instant) {
    let ns = started.elapsed().as_nanos() / u128::from(ITERATIONS);
    println!("{name:<40} {ns:>8} ns/op  ({ITERATIONS} iterations)");
}

fn main() -> Result<(), CryptoError> {
    let key = KeyMaterial::generate();
    let ctx = EncryptionContext::from_pairs([
        (
            "aws:secretsmanager:arn",
            "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-AbCdEf",
        ),
        ("version", "00000000-0000-4000-8000-000000000000"),
    ]);
    let sealed = key.seal(&[0x5a; 64], &ctx);

    let started = Instant::now();
    for _ in 0..ITERATIONS {
        let opened = key.open(black_box(&sealed), black_box(&ctx))?;
        black_box(opened.expose_secret());
    }
    report("KeyMaterial::open (64-byte value)", started);

    let mac_key = [0x0b; 32];
    let message = [0x42; 64];
    let started = Instant::now();
    for _ in 0..ITERATIONS {
        black_box(hash::hmac_sha256(black_box(&mac_key), black_box(&message)));
    }
    report("hmac_sha256 (32-byte key, 64-byte msg)", started);
    Ok(())
}
