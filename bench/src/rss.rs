//! Resident memory of the controller process, for the connection-scale mode: from
//! `/proc/PID/status`, with the PID given or found as the owner of the listening socket.

use std::net::SocketAddr;

/// `VmRSS` of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// `VmHWM` of a process in KiB: the peak resident memory since it started.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_field(&s, field)
}

fn parse_field(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The process that listens on `addr`'s port (TCP, IPv4 or IPv6), if this user can see it.
pub fn listener_pid(addr: SocketAddr) -> Option<u32> {
    let inode = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .find_map(|t| listening_inode(&t, addr.port()))?;
    let target = format!("socket:[{inode}]");
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).is_ok_and(|l| l.to_str() == Some(target.as_str())) {
                return Some(pid);
            }
        }
    }
    None
}

/// The inode of the socket in state LISTEN (0A) on `port` in a /proc/net/tcp table.
fn listening_inode(table: &str, port: u16) -> Option<u64> {
    let want = format!(":{port:04X}");
    table.lines().skip(1).find_map(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        let local = cols.get(1)?;
        let state = cols.get(3)?;
        (local.ends_with(&want) && *state == "0A").then(|| cols.get(9)?.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vmrss() {
        assert_eq!(
            parse_field("Name:\tx\nVmRSS:\t  12345 kB\nVmSwap: 0 kB\n", "VmRSS:"),
            Some(12345)
        );
        assert!(rss_kib(std::process::id()).is_some_and(|k| k > 0));
        assert!(peak_rss_kib(std::process::id()).is_some_and(|k| k > 0));
    }

    #[test]
    fn finds_listener() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:19FD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n";
        assert_eq!(listening_inode(table, 0x19fd), Some(4242));
        assert_eq!(listening_inode(table, 6633), None);
    }
}
