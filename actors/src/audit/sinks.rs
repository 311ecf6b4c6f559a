//! Where audit lines go: a file (reopened when it was rotated or removed, or after a failed
//! write), stdout, or a socket (tcp, udp or unix; reconnected after a failed write). Each runs
//! on its device's writer thread, so blocking here never blocks a request beyond its deadline.

use super::writer::Sink;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::time::Duration;

pub(super) struct FileSink {
    path: String,
    mode: u32,
    fsync: bool,
    file: Option<File>,
}

/// Opens for appending, creating with `mode` and setting it on an existing file (0 keeps it).
pub(super) fn open(path: &str, mode: u32) -> std::io::Result<File> {
    let file = OpenOptions::new().append(true).create(true).mode(mode).open(path)?;
    if mode != 0 && path != "/dev/null" {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    Ok(file)
}

impl FileSink {
    pub fn new(path: String, mode: u32, fsync: bool, file: File) -> Self {
        FileSink { path, mode, fsync, file: Some(file) }
    }

    /// Whether the open file is still the one at the path (not rotated away or removed).
    fn current(&self) -> bool {
        let (Some(f), Ok(at_path)) = (&self.file, std::fs::metadata(&self.path)) else {
            return false;
        };
        f.metadata().is_ok_and(|m| m.dev() == at_path.dev() && m.ino() == at_path.ino())
    }

    fn append(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if !self.current() {
            self.file = Some(open(&self.path, self.mode)?);
        }
        let f = self.file.as_mut().ok_or(std::io::ErrorKind::NotFound)?;
        f.write_all(buf)?;
        if self.fsync {
            f.sync_data()?;
        }
        Ok(())
    }
}

impl Sink for FileSink {
    fn reopen(&mut self) {
        self.file = None;
    }

    fn write(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self.append(buf) {
            Ok(()) => Ok(()),
            Err(_) => {
                // Once more on a fresh descriptor, as Vault's file device does.
                self.file = None;
                self.append(buf)
            }
        }
    }
}

pub(super) struct Stdout;

impl Sink for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<()> {
        std::io::stdout().lock().write_all(buf)
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum SocketType {
    Tcp,
    Udp,
    Unix,
}

enum Conn {
    Tcp(TcpStream),
    Udp(UdpSocket),
    Unix(UnixStream),
}

pub(super) struct SocketSink {
    address: String,
    kind: SocketType,
    timeout: Duration,
    conn: Option<Conn>,
}

impl SocketSink {
    pub fn new(address: String, kind: SocketType, timeout: Duration) -> Self {
        SocketSink { address, kind, timeout, conn: None }
    }

    fn connect(&self) -> std::io::Result<Conn> {
        Ok(match self.kind {
            SocketType::Tcp => {
                let addr = std::net::ToSocketAddrs::to_socket_addrs(&self.address)?
                    .next()
                    .ok_or(std::io::ErrorKind::AddrNotAvailable)?;
                let s = TcpStream::connect_timeout(&addr, self.timeout)?;
                s.set_write_timeout(Some(self.timeout))?;
                Conn::Tcp(s)
            }
            SocketType::Udp => {
                let s = UdpSocket::bind("0.0.0.0:0")?;
                s.connect(&self.address)?;
                s.set_write_timeout(Some(self.timeout))?;
                Conn::Udp(s)
            }
            SocketType::Unix => {
                let s = UnixStream::connect(&self.address)?;
                s.set_write_timeout(Some(self.timeout))?;
                Conn::Unix(s)
            }
        })
    }

    fn send(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.conn.is_none() {
            self.conn = Some(self.connect()?);
        }
        match self.conn.as_mut() {
            Some(Conn::Tcp(s)) => s.write_all(buf),
            Some(Conn::Unix(s)) => s.write_all(buf),
            // One datagram per line, as each entry is its own message.
            Some(Conn::Udp(s)) => buf.split_inclusive(|b| *b == b'\n').try_for_each(|line| s.send(line).map(|_| ())),
            None => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Sink for SocketSink {
    fn reopen(&mut self) {
        self.conn = None;
    }

    fn write(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self.send(buf) {
            Ok(()) => Ok(()),
            Err(_) => {
                // The peer went away: reconnect once, as Vault's socket device does.
                self.conn = None;
                self.send(buf)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_rotated_file_is_noticed_and_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let p = path.to_str().unwrap().to_string();
        let mut sink = FileSink::new(p.clone(), 0o600, true, open(&p, 0o600).unwrap());
        sink.write(b"one\n").unwrap();
        std::fs::rename(&path, dir.path().join("a.log.1")).unwrap();
        sink.write(b"two\n").unwrap();
        std::fs::remove_file(&path).unwrap();
        sink.write(b"three\n").unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("a.log.1")).unwrap(), "one\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three\n");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_tcp_peer_gets_every_line() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mut sink = SocketSink::new(addr, SocketType::Tcp, Duration::from_secs(2));
        sink.write(b"a\n").unwrap();
        sink.write(b"b\n").unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        let mut got = [0u8; 4];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"a\nb\n");
    }
}
