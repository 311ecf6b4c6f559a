//! One enabled audit device: its sink behind a writer thread (a file, stdout, a socket, syslog
//! or nowhere), how it renders entries (`log_raw`, `hmac_accessor`, `elide_list_responses`,
//! `prefix`), its deadline per entry (`write_timeout`, 2s as Vault's socket device) and its salt.

use super::entry::{request_entry, response_entry, write_entry, Hashing, LogInput};
use super::headers::HeaderConfig;
use super::sinks::{open, FileSink, SocketSink, SocketType, Stdout};
use super::syslog::SyslogSink;
use super::table::AuditEntry;
use super::writer::{Sink, Writer};
use crate::barrier::hmac_hex;
use crate::logical::decode::parse_bool;
use crate::logical::go::go_quote;
use crate::CoreError;
use std::time::Duration;
use zeroize::Zeroizing;

/// Entries a device may hold before it refuses more (each waits at most the deadline).
const QUEUE: usize = 4096;

pub struct Device {
    pub path: String,
    /// `None`: `file_path=discard`.
    writer: Option<Writer>,
    salt: Zeroizing<Vec<u8>>,
    log_raw: bool,
    hmac_accessor: bool,
    elide_lists: bool,
    prefix: String,
    /// `format=jsonx`: entries as JSONx elements instead of JSON.
    jsonx: bool,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device").field("path", &self.path).finish_non_exhaustive()
    }
}

fn flag(entry: &AuditEntry, name: &str, default: bool) -> Result<bool, CoreError> {
    match entry.options.get(name) {
        None => Ok(default),
        Some(v) => parse_bool(v)
            .ok_or_else(|| CoreError::invalid(format!("strconv.ParseBool: parsing {}: invalid syntax", go_quote(v)))),
    }
}

/// `write_timeout`: a Go duration, with milliseconds kept.
fn deadline(entry: &AuditEntry) -> Result<Duration, CoreError> {
    let Some(raw) = entry.options.get("write_timeout") else {
        return Ok(Duration::from_secs(2));
    };
    let parsed = match raw.strip_suffix("ms") {
        Some(ms) => ms.trim().parse::<u64>().map(Duration::from_millis).map_err(|_| raw.clone()),
        None => crate::duration::parse_duration(raw).map(Duration::from_secs).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(CoreError::invalid(format!("time: invalid duration {}", go_quote(raw)))),
    }
}

/// The sink an entry describes, with Vault's checks and texts; `None` discards. A file must
/// open for appending now, so a bad path fails the enable rather than every later request.
fn sink(entry: &AuditEntry) -> Result<Option<Box<dyn Sink>>, CoreError> {
    let opt = |k: &str| entry.options.get(k);
    match entry.kind.as_str() {
        "file" => {
            let path =
                opt("file_path").or_else(|| opt("path")).ok_or_else(|| CoreError::invalid("file_path is required"))?;
            let mode = match opt("mode") {
                None => 0o600,
                Some(m) => u32::from_str_radix(m, 8).map_err(|_| {
                    CoreError::invalid(format!("strconv.ParseUint: parsing {}: invalid syntax", go_quote(m)))
                })?,
            };
            Ok(match path.to_ascii_lowercase().as_str() {
                "stdout" => Some(Box::new(Stdout)),
                "discard" => None,
                _ => {
                    let file = open(path, mode).map_err(|e| {
                        let why = e.to_string();
                        let why = why.split(" (os error").next().unwrap_or_default().to_lowercase();
                        CoreError::invalid(format!(
                            "sanity check failed; unable to open {} for writing: open {path}: {why}",
                            go_quote(path)
                        ))
                    })?;
                    Some(Box::new(FileSink::new(path.clone(), mode, flag(entry, "fsync", false)?, file)))
                }
            })
        }
        "socket" => {
            let address = opt("address").ok_or_else(|| CoreError::invalid("address is required"))?;
            let kind = match opt("socket_type").map_or("tcp", String::as_str) {
                "tcp" => SocketType::Tcp,
                "udp" => SocketType::Udp,
                "unix" => SocketType::Unix,
                other => return Err(CoreError::invalid(format!("unknown socket type {}", go_quote(other)))),
            };
            Ok(Some(Box::new(SocketSink::new(address.clone(), kind, deadline(entry)?))))
        }
        "syslog" => {
            let facility =
                super::syslog::facility(opt("facility").map_or("AUTH", String::as_str)).map_err(CoreError::invalid)?;
            let tag = opt("tag").cloned().unwrap_or_else(|| "vault".to_string());
            Ok(Some(Box::new(SyslogSink::new(facility, tag).map_err(CoreError::invalid)?)))
        }
        other => Err(CoreError::invalid(format!("unknown backend type: {}", go_quote(other)))),
    }
}

impl Device {
    pub fn new(entry: &AuditEntry, salt: Zeroizing<Vec<u8>>) -> Result<Device, CoreError> {
        // Vault CE refuses its Enterprise-only options by their presence.
        if ["exclude", "fallback", "filter"].iter().any(|o| entry.options.contains_key(*o)) {
            return Err(CoreError::invalid("enterprise-only options supplied: invalid configuration"));
        }
        let jsonx = match entry.options.get("format").map_or("json", String::as_str) {
            "json" => false,
            "jsonx" => true,
            other => return Err(CoreError::invalid(format!("unknown format type {}", go_quote(other)))),
        };
        let deadline = deadline(entry)?;
        let writer = match sink(entry)? {
            Some(sink) => Some(Writer::start(&entry.path, sink, deadline, QUEUE).map_err(CoreError::internal)?),
            None => None,
        };
        Ok(Device {
            path: entry.path.clone(),
            writer,
            salt,
            log_raw: flag(entry, "log_raw", false)?,
            hmac_accessor: flag(entry, "hmac_accessor", true)?,
            elide_lists: flag(entry, "elide_list_responses", false)?,
            prefix: entry.options.get("prefix").cloned().unwrap_or_default(),
            jsonx,
        })
    }

    /// `sys/audit-hash`: the string as this device's entries show it.
    pub fn hash(&self, input: &str) -> Result<String, CoreError> {
        Ok(format!("hmac-sha256:{}", hmac_hex(&self.salt, input)?))
    }

    /// SIGHUP: files and sockets are reopened before the next entry.
    pub fn reopen(&self) {
        if let Some(w) = &self.writer {
            w.request_reopen();
        }
    }

    /// Whether the device's last entry was not recorded in time (shown by `sys/audit`).
    pub fn degraded(&self) -> bool {
        self.writer.as_ref().is_some_and(Writer::degraded)
    }

    /// Writes the request or response entry of `input`, with the configured `headers`.
    pub async fn log(&self, input: &LogInput<'_>, headers: &HeaderConfig, response: bool) -> Result<(), CoreError> {
        let Some(writer) = &self.writer else {
            return Ok(());
        };
        let hash = |s: &str| self.hash(s).unwrap_or_else(|_| "hmac-sha256:".to_string());
        let hashing = Hashing {
            hash: if self.log_raw { None } else { Some(&hash) },
            accessors: self.hmac_accessor,
            elide_lists: self.elide_lists,
            headers,
        };
        let mut line = Vec::with_capacity(self.prefix.len() + 1024);
        line.extend_from_slice(self.prefix.as_bytes());
        if self.jsonx {
            let entry = if response { response_entry(input, &hashing) } else { request_entry(input, &hashing) };
            line.extend_from_slice(super::jsonx::encode(&entry).as_bytes());
        } else {
            write_entry(&mut line, input, &hashing, response);
        }
        line.push(b'\n');
        let was_degraded = writer.degraded();
        let written = writer.write(line).await;
        if written.is_err() {
            metrics::counter!("strongbox_audit_entries_not_recorded_total", "device" => self.path.clone()).increment(1);
        }
        if written.is_err() != was_degraded {
            let degraded = if written.is_err() { 1.0 } else { 0.0 };
            metrics::gauge!("strongbox_audit_device_degraded", "device" => self.path.clone()).set(degraded);
        }
        written.map_err(CoreError::internal)
    }
}
