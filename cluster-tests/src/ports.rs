//! Free TCP ports on loopback addresses.
//!
//! Ports are drawn from below Linux's ephemeral range (32768+), so the kernel never hands one
//! of them to an outgoing client connection while a killed node waits to be restarted on it,
//! and never twice to nodes of the same test process.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

const LOW: u16 = 20_000;
const HIGH: u16 = 32_000;

static HANDED_OUT: Mutex<Option<HashSet<(Ipv4Addr, u16)>>> = Mutex::new(None);

/// A port on `ip` that nothing listens on now and that this process has not handed out before.
pub fn must_free_port(ip: Ipv4Addr) -> u16 {
    let mut seed = seed();
    let mut handed = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed = handed.get_or_insert_with(HashSet::new);
    for _ in 0..2_000 {
        seed = xorshift(seed);
        let port = LOW + (seed % u64::from(HIGH - LOW)) as u16;
        if handed.contains(&(ip, port)) {
            continue;
        }
        if TcpListener::bind(SocketAddrV4::new(ip, port)).is_ok() {
            handed.insert((ip, port));
            return port;
        }
    }
    panic!("no free TCP port on {ip} between {LOW} and {HIGH}");
}

fn seed() -> u64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
    (nanos ^ (u64::from(std::process::id()) << 32)) | 1
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}
