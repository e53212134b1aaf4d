//! Packets apps parse and build: Ethernet, 802.1Q, ARP, IPv4, IPv6, ICMP, ICMPv6, TCP, UDP,
//! LLDP. (Contract stub: being filled in.)
