//! The guest's `/init` script (busybox sh).

/// virtio-net and what it needs, in load order (NOTES.md).
pub const VIRTIO_NET_MODULES: [&str; 8] = [
    "virtio_ring",
    "virtio",
    "virtio_pci_modern_dev",
    "virtio_pci_legacy_dev",
    "virtio_pci",
    "failover",
    "net_failover",
    "virtio_net",
];

/// The init script. Kernel command-line parameters it reads:
/// `viola.ip=A.B.C.D/N` (eth0 address), `viola.gw=A.B.C.D` (default route),
/// `viola.sink=PORT` (accept TCP on PORT forever, discard the data),
/// `viola.send=HOST:PORT` (send a TCP stream to HOST:PORT forever, reconnecting),
/// `viola.echo=PORT` (a TCP echo server on PORT, one `cat` per connection),
/// `viola.ping=HOST` (ping HOST every 20 ms forever: a steady trickle of frames both ways).
///
/// With `viola.bytes=N`, `viola.sink` and `viola.send` make one checked transfer instead:
/// the sender waits until it can ping HOST, then sends exactly N bytes of a deterministic
/// stream (the output of `seq 1 …`, cut at N bytes; [`transfer_stream`] builds the same
/// bytes on the host), 1000 numbers at a time with `viola.pace=SECONDS` between them, and
/// prints `viola-guest: send sha256 HEX bytes N` before and `viola-guest: send done …` after.
/// The receiver accepts one connection, keeps what it gets in `/tmp/recv` (guest memory,
/// so a restored guest has what its image had), prints `viola-guest: recv bytes M` when M
/// changed (at most once a second) and, once it has N bytes,
/// `viola-guest: recv done bytes M sha256 HEX`.
/// It then prints `viola-guest: tick N` once a second on the console; the counter lives
/// in guest memory, so a restored guest continues counting where its image left off.
pub fn script() -> String {
    let modules = VIRTIO_NET_MODULES.join(" ");
    format!(
        r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in {modules}; do
  [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done
arg() {{ sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }}
ip link set lo up
IP=$(arg viola.ip)
if [ -n "$IP" ]; then
  ip link set eth0 up
  ip addr add "$IP" dev eth0
fi
GW=$(arg viola.gw)
[ -n "$GW" ] && ip route add default via "$GW"
SINK=$(arg viola.sink)
SEND=$(arg viola.send)
BYTES=$(arg viola.bytes)
PACE=$(arg viola.pace)
[ -n "$PACE" ] || PACE=0
stream() {{
  i=0
  while seq $((i*1000+1)) $((i*1000+1000)); do
    i=$((i+1))
    [ "$1" = paced ] && sleep "$PACE"
  done
}}
# A listening nc quits when its stdin ends, and the stdin of a background job is
# /dev/null: give it a FIFO that this shell holds open (and never writes).
[ -n "$SINK" ] && mkfifo /tmp/sink.in
if [ -n "$SINK" ] && [ -n "$BYTES" ]; then
  (exec 3<> /tmp/sink.in; nc -l -p "$SINK" < /tmp/sink.in > /tmp/recv) &
  (last=-1; while true; do
    n=$(wc -c < /tmp/recv 2>/dev/null); n=${{n:-0}}
    if [ "$n" -ge "$BYTES" ]; then
      echo "viola-guest: recv done bytes $n sha256 $(sha256sum < /tmp/recv | cut -d' ' -f1)"
      break
    fi
    [ "$n" != "$last" ] && echo "viola-guest: recv bytes $n"
    last=$n
    sleep 1
  done) &
elif [ -n "$SINK" ]; then
  (exec 3<> /tmp/sink.in; while true; do nc -l -p "$SINK" < /tmp/sink.in > /dev/null; done) &
fi
if [ -n "$SEND" ] && [ -n "$BYTES" ]; then
  (H=${{SEND%:*}}; P=${{SEND##*:}}
   sum=$(stream fast | head -c "$BYTES" | sha256sum | cut -d' ' -f1)
   echo "viola-guest: send sha256 $sum bytes $BYTES"
   until ping -c 1 -W 1 "$H" > /dev/null 2>&1; do sleep 1; done
   until stream paced | head -c "$BYTES" | nc "$H" "$P" > /dev/null; do sleep 1; done
   echo "viola-guest: send done bytes $BYTES sha256 $sum") &
elif [ -n "$SEND" ]; then
  (while true; do yes viola-guest-stream | nc "${{SEND%:*}}" "${{SEND##*:}}"; sleep 1; done) &
fi
ECHO=$(arg viola.echo)
[ -n "$ECHO" ] && (while true; do nc -ll -p "$ECHO" -e /bin/cat; sleep 1; done) &
PING=$(arg viola.ping)
[ -n "$PING" ] && (while true; do ping -q -i 0.02 "$PING" > /dev/null 2>&1; sleep 1; done) &
echo "viola-guest: ready ip=$IP"
n=0
while true; do
  echo "viola-guest: tick $n"
  n=$((n+1))
  sleep 1
done
"#
    )
}

/// The bytes a guest with `viola.send` and `viola.bytes=N` sends: `seq 1 …` cut at `n`
/// bytes (decimal numbers, one per line).
pub fn transfer_stream(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 16);
    let mut i: u64 = 1;
    while out.len() < n {
        out.extend_from_slice(i.to_string().as_bytes());
        out.push(b'\n');
        i += 1;
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_stream_is_seq_cut_at_n() {
        assert_eq!(transfer_stream(0), b"");
        assert_eq!(transfer_stream(7), b"1\n2\n3\n4");
        let s = transfer_stream(600_000);
        assert_eq!(s.len(), 600_000);
        // `seq 1 99999` is 588 888 bytes; the next line is "100000\n".
        assert_eq!(&s[588_888..588_895], b"100000\n");
    }

    #[test]
    fn script_has_the_checked_transfer() {
        let s = script();
        assert!(s.contains("viola-guest: recv done bytes"));
        assert!(s.contains("viola-guest: send sha256"));
        assert!(s.contains("arg viola.bytes"));
        assert!(s.contains("arg viola.ping"));
    }
}
