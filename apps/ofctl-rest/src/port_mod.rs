//! `portdesc/modify` and `experimenter` bodies → messages.

use openflow::{MacAddr, Message, PortInfo, Version};
use serde_json::{Map, Value};

use crate::commands::BodyError;

/// Which port a `portdesc/modify` body names (`port_no`, required as in Ryu).
pub fn port_no(body: &Value) -> Result<u32, BodyError> {
    let v = body.get("port_no").ok_or("port_no: missing")?;
    viola_framework::ofjson::port_from_json(v).map_err(|e| format!("port_no: {}", e.reason))
}

fn u32_key(o: &Map<String, Value>, key: &str, default: u32) -> Result<u32, BodyError> {
    match o.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(crate::dpid::parse_dpid).map(|d| d.0))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("{key}: expected a 32-bit number, got {v}")),
    }
}

/// A PORT_MOD for `port` from Ryu's body: `config`, `mask`, `advertise` (default: what
/// the port advertises now), `hw_addr` (default: the port's).
pub fn port_mod(v: Version, port: &PortInfo, body: &Value) -> Result<Message, BodyError> {
    let Value::Object(o) = body else {
        return Err(format!("expected a JSON object, got {body}"));
    };
    for k in o.keys() {
        if !["dpid", "port_no", "hw_addr", "config", "mask", "advertise"].contains(&k.as_str()) {
            return Err(format!("{k}: unknown key"));
        }
    }
    let hw_addr: MacAddr = match o.get("hw_addr") {
        None => port.hw_addr,
        Some(Value::String(s)) => s
            .parse()
            .map_err(|_| format!("hw_addr: \"{s}\" is not a MAC address"))?,
        Some(other) => return Err(format!("hw_addr: expected a string, got {other}")),
    };
    let config = u32_key(o, "config", 0)?;
    let mask = u32_key(o, "mask", 0)?;
    let advertise = u32_key(o, "advertise", port.advertised)?;
    Ok(match v {
        Version::V1_0 => {
            let port_no = openflow::port::to_v10(port.port_no)
                .ok_or_else(|| format!("port_no: {} has no 1.0 number", port.port_no))?;
            Message::V10(openflow::v10::Message::PortMod(openflow::v10::PortMod10 {
                port_no,
                hw_addr,
                config,
                mask,
                advertise,
            }))
        }
        _ => Message::V13(openflow::v13::Message::PortMod(openflow::v13::PortMod {
            port_no: port.port_no,
            hw_addr,
            config,
            mask,
            advertise,
        })),
    })
}

/// An `experimenter` body (1.3): `experimenter`, `exp_type`, `data` read as `data_type`
/// `ascii` (the default) or `base64`.
pub fn experimenter(body: &Value) -> Result<openflow::v13::ExperimenterMsg, BodyError> {
    use base64::Engine as _;
    let Value::Object(o) = body else {
        return Err(format!("expected a JSON object, got {body}"));
    };
    for k in o.keys() {
        if !["dpid", "experimenter", "exp_type", "data_type", "data"].contains(&k.as_str()) {
            return Err(format!("{k}: unknown key"));
        }
    }
    let text = match o.get("data") {
        None => "",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(format!("data: expected a string, got {other}")),
    };
    let data = match o
        .get("data_type")
        .and_then(Value::as_str)
        .unwrap_or("ascii")
    {
        "ascii" if text.is_ascii() => text.as_bytes().to_vec(),
        "ascii" => return Err("data: not ASCII (say \"data_type\": \"base64\")".into()),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("data: not base64: {e}"))?,
        other => return Err(format!("data_type: \"{other}\" is not ascii or base64")),
    };
    Ok(openflow::v13::ExperimenterMsg {
        experimenter: u32_key(o, "experimenter", 0)?,
        exp_type: u32_key(o, "exp_type", 0)?,
        data: data.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn port() -> PortInfo {
        PortInfo {
            port_no: 2,
            hw_addr: "00:00:00:00:00:02".parse().unwrap(),
            name: "s1-eth2".into(),
            config: 0,
            state: 0,
            curr: 0,
            advertised: 0x40,
            supported: 0,
            peer: 0,
            curr_speed: 0,
            max_speed: 0,
        }
    }

    #[test]
    fn port_down_with_the_ports_own_address_and_advertisement() {
        let body = json!({"dpid": 1, "port_no": 2, "config": 1, "mask": 1});
        assert_eq!(port_no(&body).unwrap(), 2);
        let Message::V13(openflow::v13::Message::PortMod(pm)) =
            port_mod(Version::V1_3, &port(), &body).unwrap()
        else {
            panic!("a 1.3 PORT_MOD")
        };
        assert_eq!((pm.config, pm.mask, pm.advertise), (1, 1, 0x40));
        assert_eq!(pm.hw_addr, port().hw_addr);
        assert!(matches!(
            port_mod(Version::V1_0, &port(), &body).unwrap(),
            Message::V10(openflow::v10::Message::PortMod(p)) if p.port_no == 2
        ));
        let bad = json!({"port_no": 2, "config": "lots"});
        assert!(port_mod(Version::V1_3, &port(), &bad)
            .unwrap_err()
            .starts_with("config: "));
        assert_eq!(port_no(&json!({})).unwrap_err(), "port_no: missing");
    }

    #[test]
    fn experimenter_data_as_ascii_or_base64() {
        let e = experimenter(&json!({"experimenter": 8992, "exp_type": 3, "data": "hi"})).unwrap();
        assert_eq!(
            (e.experimenter, e.exp_type, &e.data[..]),
            (8992, 3, &b"hi"[..])
        );
        let e = experimenter(&json!({"data_type": "base64", "data": "AAEC"})).unwrap();
        assert_eq!(&e.data[..], &[0, 1, 2]);
        assert!(experimenter(&json!({"data_type": "hex"})).is_err());
        assert!(experimenter(&json!({"data_type": "base64", "data": "!"})).is_err());
    }
}
