//! `run(n)`: `n` HMAC-SHA256 tags of a 179-byte message with one prepared key, as
//! `playgate::jwt::verify_mac` computes them (clone the keyed state, update, finalize).
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

#[no_mangle]
pub extern "C" fn run(n: u32) -> u32 {
    let Ok(prepared) = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7u8; 32]) else {
        return 0;
    };
    let mut msg = [0x61u8; 179];
    let mut acc = 0u32;
    for i in 0..n {
        msg[0] = i as u8;
        let mut m = prepared.clone();
        m.update(core::hint::black_box(&msg[..]));
        let tag = m.finalize().into_bytes();
        acc = acc.wrapping_add(u32::from(tag[0]));
    }
    acc
}
