//! Hashes and identifiers: `SHA1`, `SHA512`, `FNV`, `Murmur3Hash`,
//! `Murmur3Hash128`, `XXH3`, `XXH128`, `UUID`, `UUIDv7`, `ProfileID`.

use sha1::Sha1;
use sha2::{Digest, Sha512};

use super::hash::id;
use super::{conv, Converter, Spec};
use crate::compile::{req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::value::{Id, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "SHA1", params: &[req("target")], build: |a| hash(a, |s| hex::encode(Sha1::digest(s))) },
    Spec { name: "SHA512", params: &[req("input")], build: |a| hash(a, |s| hex::encode(Sha512::digest(s))) },
    Spec {
        name: "Murmur3Hash",
        params: &[req("target")],
        build: |a| hash(a, |s| hex::encode(murmur3_32(s, 0).to_le_bytes())),
    },
    Spec { name: "Murmur3Hash128", params: &[req("target")], build: |a| hash(a, murmur3_128_hex) },
    Spec {
        name: "XXH3",
        params: &[req("target")],
        build: |a| hash(a, |s| hex::encode(xxhash_rust::xxh3::xxh3_64(s).to_be_bytes())),
    },
    Spec {
        name: "XXH128",
        params: &[req("target")],
        build: |a| hash(a, |s| hex::encode(xxhash_rust::xxh3::xxh3_128(s).to_be_bytes())),
    },
    Spec { name: "FNV", params: &[req("target")], build: fnv },
    Spec { name: "UUID", params: &[], build: |_| Ok(conv(|_| Ok(Value::string(uuid::Uuid::new_v4().to_string())))) },
    Spec { name: "UUIDv7", params: &[], build: |_| Ok(conv(|_| Ok(Value::string(uuid::Uuid::now_v7().to_string())))) },
    Spec {
        name: "ProfileID",
        params: &[req("target")],
        build: |a| id(a, |b| b.try_into().ok().map(Id::Profile), 16, "profileID"),
    },
];

fn hash(a: &mut Args, f: fn(&[u8]) -> String) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::string(f(eval(&target, ctx)?.expect_str()?.as_bytes())))))
}

/// `FNV(value)`: Go's 64-bit FNV-1a, as an int64.
fn fnv(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in v.expect_str()?.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(Value::Int(h as i64))
    }))
}

/// MurmurHash3 x86 32-bit.
pub fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]).wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h = (h ^ k).rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, b) in tail.iter().enumerate() {
            k |= u32::from(*b) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// MurmurHash3 x64 128-bit, seed 0: the two halves little-endian, h1 first.
pub fn murmur3_128(data: &[u8]) -> (u64, u64) {
    const C1: u64 = 0x87c3_7b91_1142_53d5;
    const C2: u64 = 0x4cf5_ad43_2745_937f;
    let (mut h1, mut h2) = (0u64, 0u64);
    let mut chunks = data.chunks_exact(16);
    for c in &mut chunks {
        let k1 = u64::from_le_bytes(c[..8].try_into().unwrap_or_default());
        let k2 = u64::from_le_bytes(c[8..].try_into().unwrap_or_default());
        h1 ^= k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 = h1.rotate_left(27).wrapping_add(h2).wrapping_mul(5).wrapping_add(0x52dc_e729);
        h2 ^= k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 = h2.rotate_left(31).wrapping_add(h1).wrapping_mul(5).wrapping_add(0x3849_5ab5);
    }
    let tail = chunks.remainder();
    let (mut k1, mut k2) = (0u64, 0u64);
    for (i, b) in tail.iter().enumerate() {
        if i < 8 {
            k1 |= u64::from(*b) << (8 * i);
        } else {
            k2 |= u64::from(*b) << (8 * (i - 8));
        }
    }
    if tail.len() > 8 {
        h2 ^= k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
    }
    if !tail.is_empty() {
        h1 ^= k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
    }
    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

fn murmur3_128_hex(s: &[u8]) -> String {
    let (h1, h2) = murmur3_128(s);
    let mut b = h1.to_le_bytes().to_vec();
    b.extend_from_slice(&h2.to_le_bytes());
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_reference_values() {
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"hello", 0), 0x248b_fa47);
        assert_eq!(murmur3_32(b"The quick brown fox jumps over the lazy dog", 0), 0x2e4f_f723);
        assert_eq!(murmur3_128(b""), (0, 0));
        assert_eq!(murmur3_128_hex(b"The quick brown fox jumps over the lazy dog"), "6c1b07bc7bbc4be347939ac4a93c437a");
    }
}
