#!/usr/bin/env python3
"""Adds os-ken's answer to each captured switch reply in vectors/*.json.

os-ken (the maintained fork of Ryu, Apache-2.0) converts switch replies to ofctl_rest's
JSON in os_ken.lib.ofctl_v1_0 / ofctl_v1_3. This script feeds those functions the very
frames Open vSwitch sent (captured by system-tests/tests/ofctl_rest_ovs.rs with
VIOLA_OFCTL_VECTORS=DIR) and stores their result as "osken" beside the frames; the
hermetic test tests/osken_vectors.rs checks viola-ofctl-rest's conversions against it.

Usage (os-ken 4.2.2 from PyPI in a venv):
    python3 -m venv /tmp/osken && /tmp/osken/bin/pip install os-ken==4.2.2
    /tmp/osken/bin/python apps/ofctl-rest/tests/osken/expected.py apps/ofctl-rest/tests/osken/vectors
"""
import glob
import json
import os
import sys

from os_ken.lib import ofctl_utils, ofctl_v1_0, ofctl_v1_3
from os_ken.ofproto import ofproto_parser
from os_ken.ofproto import ofproto_v1_0, ofproto_v1_0_parser
from os_ken.ofproto import ofproto_v1_3, ofproto_v1_3_parser

VERSIONS = {
    "1.0": (ofproto_v1_0, ofproto_v1_0_parser, ofctl_v1_0),
    "1.3": (ofproto_v1_3, ofproto_v1_3_parser, ofctl_v1_3),
}

# The os-ken function each route calls (ryu/app/ofctl_rest.py's table).
FUNCTIONS = {
    "desc": "get_desc_stats",
    "flow": "get_flow_stats",
    "table": "get_table_stats",
    "port": "get_port_stats",
    "portdesc": "get_port_desc",
    "group": "get_group_stats",
    "groupdesc": "get_group_desc",
    "meter": "get_meter_stats",
    "meterconfig": "get_meter_config",
}


class Datapath:
    """What the ofctl functions use of a datapath: its protocol modules and id."""

    def __init__(self, ofproto, parser):
        self.ofproto = ofproto
        self.ofproto_parser = parser
        self.id = 1

    def set_xid(self, msg):
        msg.xid = 1

    def send_msg(self, msg):
        pass


def answer(path):
    with open(path) as f:
        vector = json.load(f)
    ofproto, parser, ofctl = VERSIONS[vector["version"]]
    dp = Datapath(ofproto, parser)
    replies = []
    for frame_hex in vector["frames"]:
        frame = bytes.fromhex(frame_hex)
        version, msg_type, msg_len, xid = ofproto_parser.header(frame)
        replies.append(ofproto_parser.msg(dp, version, msg_type, msg_len, xid, frame))

    # Instead of sending the request and waiting, hand over the captured reply.
    def send_stats_request(dp, stats, waiters, msgs, logger=None):
        msgs.extend(replies)

    ofctl_utils.send_stats_request = send_stats_request
    result = getattr(ofctl, FUNCTIONS[vector["route"]])(dp, {})
    vector["osken"] = result["1"]
    with open(path, "w") as f:
        json.dump(vector, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    paths = sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))
    if not paths:
        sys.exit(f"no vectors in {sys.argv[1]}")
    for path in paths:
        answer(path)
        print(f"{path}: os-ken's answer added")


if __name__ == "__main__":
    main()
