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
/// `viola.echo=PORT` (a TCP echo server on PORT, one `cat` per connection).
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
[ -n "$SINK" ] && (while true; do nc -l -p "$SINK" > /dev/null; done) &
SEND=$(arg viola.send)
if [ -n "$SEND" ]; then
  (while true; do yes viola-guest-stream | nc "${{SEND%:*}}" "${{SEND##*:}}"; sleep 1; done) &
fi
ECHO=$(arg viola.echo)
[ -n "$ECHO" ] && (while true; do nc -ll -p "$ECHO" -e /bin/cat; sleep 1; done) &
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
