//! RESTCONF request bodies of the subscription RPCs (RFC 8639 §2.4, RFC 8650):
//! `establish-subscription`, `modify-subscription`, `delete-subscription`, `kill-subscription`.
//!
//! Properties: a rejected body yields an `ietf-restconf:errors` document; an accepted
//! establish body re-parses from its own parts (stream, filter member as received) to the
//! same input; every accepted time prints as a `date-and-time` that parses back to the same
//! instant (at microsecond precision), as the server echoes it.
#![no_main]

use fixlog_restconf::rpc::{EstablishInput, ModifyInput, format_time, parse_id_input, parse_time};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

fn echoes(time: OffsetDateTime) {
    let printed = format_time(time);
    let parsed = parse_time(&printed).unwrap_or_else(|| panic!("{printed} does not parse"));
    // Microseconds rounded down, as `format_time` cuts the fraction (also before 1970).
    let micros = |t: OffsetDateTime| t.unix_timestamp_nanos().div_euclid(1000);
    assert_eq!(micros(parsed), micros(time), "{printed}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match EstablishInput::parse(&body) {
        Ok(input) => {
            input.replay_start_time.map(echoes);
            input.stop_time.map(echoes);
            let mut members = Map::new();
            members.insert("stream".into(), Value::from(input.stream.as_str()));
            if let Some((name, value)) = &input.filter_source {
                members.insert(name.clone(), value.clone());
            }
            let rebuilt = json!({ "ietf-subscribed-notifications:input": members });
            let again = EstablishInput::parse(&rebuilt).expect("rebuilt input parses");
            assert_eq!(again.stream, input.stream);
            assert_eq!(again.filter, input.filter);
            assert_eq!(again.filter_source, input.filter_source);
        }
        Err(error) => assert!(error.to_json()["ietf-restconf:errors"]["error"].is_array()),
    }
    match ModifyInput::parse(&body) {
        Ok(input) => {
            input.stop_time.map(echoes);
        }
        Err(error) => assert!(error.to_json()["ietf-restconf:errors"]["error"].is_array()),
    }
    for rpc in ["delete-subscription", "kill-subscription"] {
        if let Err(error) = parse_id_input(rpc, &body) {
            assert!(error.to_json()["ietf-restconf:errors"]["error"].is_array());
        }
    }
});
