//! Every urlencoded form (inside its `csrf_token` envelope), every query string and the API's
//! JSON body decode to a value or an error, never a panic.
#![no_main]

use latchkey::web::fuzzing::{decode_api_body, decode_forms, decode_queries};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    decode_forms(data);
    decode_queries(&String::from_utf8_lossy(data));
    decode_api_body(data);
});
