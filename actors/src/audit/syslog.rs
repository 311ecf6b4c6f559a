//! The `syslog` device: one datagram per entry to the local syslog socket, framed as Go's
//! `log/syslog` frames local messages (`<PRI>Mmm dd hh:mm:ss tag[pid]: entry`), with Vault's
//! `facility` (default `AUTH`) and `tag` (default `vault`) at severity INFO. An entry too large
//! for a datagram is dropped and counted, never the reason a request fails.

use super::writer::Sink;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

/// Where syslog daemons listen (Go's `log/syslog` order). `STRONGBOX_SYSLOG_SOCKET` replaces
/// the list, for containers whose syslog socket lives elsewhere (and for tests).
fn socket_paths() -> Vec<PathBuf> {
    match std::env::var_os("STRONGBOX_SYSLOG_SOCKET") {
        Some(p) if !p.is_empty() => vec![PathBuf::from(p)],
        _ => ["/dev/log", "/var/run/syslog", "/var/run/log"].iter().map(PathBuf::from).collect(),
    }
}

/// `EMSGSIZE`: the datagram is larger than the socket takes.
const EMSGSIZE: i32 = if cfg!(target_os = "linux") { 90 } else { 40 };
const SEVERITY_INFO: u8 = 6;

/// gsyslog's facility names, case-insensitive.
pub(super) fn facility(name: &str) -> Result<u8, String> {
    const NAMES: [(&str, u8); 20] = [
        ("KERN", 0),
        ("USER", 1),
        ("MAIL", 2),
        ("DAEMON", 3),
        ("AUTH", 4),
        ("SYSLOG", 5),
        ("LPR", 6),
        ("NEWS", 7),
        ("UUCP", 8),
        ("CRON", 9),
        ("AUTHPRIV", 10),
        ("FTP", 11),
        ("LOCAL0", 16),
        ("LOCAL1", 17),
        ("LOCAL2", 18),
        ("LOCAL3", 19),
        ("LOCAL4", 20),
        ("LOCAL5", 21),
        ("LOCAL6", 22),
        ("LOCAL7", 23),
    ];
    let upper = name.to_ascii_uppercase();
    NAMES
        .iter()
        .find(|(n, _)| *n == upper)
        .map(|(_, code)| *code)
        .ok_or_else(|| format!("invalid syslog facility: {name}"))
}

pub(super) struct SyslogSink {
    socket: Option<UnixDatagram>,
    priority: u8,
    tag: String,
    pid: u32,
}

fn connect() -> std::io::Result<UnixDatagram> {
    let mut last = std::io::Error::from(std::io::ErrorKind::NotFound);
    for path in socket_paths() {
        let socket = UnixDatagram::unbound()?;
        match socket.connect(&path) {
            Ok(()) => return Ok(socket),
            Err(e) => last = e,
        }
    }
    Err(last)
}

impl SyslogSink {
    /// Connects now, so an enable on a host without syslog fails rather than every request.
    pub fn new(facility: u8, tag: String) -> Result<SyslogSink, String> {
        let socket =
            connect().map_err(|_| "error creating syslog sink node: Unix syslog delivery error".to_string())?;
        Ok(SyslogSink { socket: Some(socket), priority: (facility << 3) | SEVERITY_INFO, tag, pid: std::process::id() })
    }

    fn message(&self, line: &[u8]) -> Vec<u8> {
        let stamp = chrono::Local::now().format("%b %e %H:%M:%S");
        let mut out = format!("<{}>{} {}[{}]: ", self.priority, stamp, self.tag, self.pid).into_bytes();
        out.extend_from_slice(line.strip_suffix(b"\n").unwrap_or(line));
        out
    }

    fn send(&mut self, msg: &[u8]) -> std::io::Result<()> {
        if self.socket.is_none() {
            self.socket = Some(connect()?);
        }
        let socket = self.socket.as_ref().ok_or(std::io::ErrorKind::NotConnected)?;
        match socket.send(msg) {
            Ok(_) => Ok(()),
            Err(e) if e.raw_os_error() == Some(EMSGSIZE) => {
                tracing::warn!(bytes = msg.len(), "audit entry too large for a syslog datagram; dropped");
                metrics::counter!("strongbox_audit_syslog_oversized_total").increment(1);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

impl Sink for SyslogSink {
    fn reopen(&mut self) {
        self.socket = None;
    }

    fn write(&mut self, buf: &[u8]) -> std::io::Result<()> {
        for line in buf.split_inclusive(|b| *b == b'\n') {
            let msg = self.message(line);
            if self.send(&msg).is_err() {
                // The daemon restarted: connect again once.
                self.socket = None;
                self.send(&msg)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities_are_gsyslogs() {
        assert_eq!(facility("auth"), Ok(4));
        assert_eq!(facility("LOCAL7"), Ok(23));
        assert_eq!(facility("nope"), Err("invalid syslog facility: nope".to_string()));
    }

    #[test]
    fn one_datagram_per_entry_and_oversized_entries_do_not_fail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let daemon = UnixDatagram::bind(&path).unwrap();
        let socket = UnixDatagram::unbound().unwrap();
        socket.connect(&path).unwrap();
        let mut sink = SyslogSink { socket: Some(socket), priority: (16 << 3) | 6, tag: "sb".into(), pid: 7 };
        let huge = vec![b'x'; 4 << 20];
        let mut buf = b"{\"a\":1}\n".to_vec();
        buf.extend_from_slice(&huge);
        buf.extend_from_slice(b"\n{\"b\":2}\n");
        sink.write(&buf).unwrap();
        let mut got = vec![0u8; 4096];
        let n = daemon.recv(&mut got).unwrap();
        let first = String::from_utf8_lossy(&got[..n]).to_string();
        assert!(first.starts_with("<134>") && first.ends_with(" sb[7]: {\"a\":1}"), "{first}");
        let n = daemon.recv(&mut got).unwrap();
        assert!(String::from_utf8_lossy(&got[..n]).ends_with("sb[7]: {\"b\":2}"));
    }
}
