//! Lowering the neutral layer to this version and lifting it back.
//! (Contract stub: every function here must be implemented.)

use super::Message;
use crate::{message::Control, neutral::*, Unsupported};

macro_rules! todo_pair {
    ($t:ty, $lower:ident, $lift:ident) => {
        pub fn $lower(_x: &$t) -> Result<Message, Unsupported> {
            unimplemented!(concat!(stringify!($lower), " is not written yet"))
        }
        pub fn $lift(_m: &Message) -> Option<$t> {
            None
        }
    };
}

todo_pair!(FlowMod, lower_flow_mod, lift_flow_mod);
todo_pair!(PacketOut, lower_packet_out, lift_packet_out);
todo_pair!(PacketIn, lower_packet_in, lift_packet_in);
todo_pair!(FeaturesReply, lower_features_reply, lift_features_reply);
todo_pair!(PortStatus, lower_port_status, lift_port_status);
todo_pair!(FlowRemoved, lower_flow_removed, lift_flow_removed);
todo_pair!(ErrorMsg, lower_error, lift_error);
todo_pair!(StatsRequest, lower_stats_request, lift_stats_request);
todo_pair!(StatsReply, lower_stats_reply, lift_stats_reply);
todo_pair!(Control, lower_control, lift_control);
