//! Structure-aware: JSON trees shaped like each response model (field names from the OpenAPI
//! documents, wrong types, missing and unknown fields, huge numbers and strings, impossible
//! timestamps, deep nesting), fed to each operation's parser with its success status, or as an
//! ACS error body with an error status. Never a panic; and a tree that is valid for its model
//! must parse (an error body must be read as the service's error).
#![no_main]

use arbitrary::Unstructured;
use chat_core::http::Response;
use chat_core::Error;
use chat_fuzz::models::{ERROR_RESPONSE, MODELS};
use chat_fuzz::operations::{parse, OPERATIONS};
use chat_fuzz::shapes::Gen;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let model = &MODELS[u.choose_index(MODELS.len()).unwrap_or(0)];
    let error_status = match u.arbitrary::<u8>().unwrap_or(0) {
        0..=223 => None,
        n => Some(400 + u16::from(n - 224) * 6),
    };
    let mut gen = Gen::new(&mut u);
    let shape = if error_status.is_some() {
        &ERROR_RESPONSE
    } else {
        &model.shape
    };
    let value = gen.value(shape);
    let conforming = gen.conforming;
    let body = serde_json::to_vec(&value).unwrap_or_default();
    let status = error_status.unwrap_or(model.status);
    let Ok(response) = Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
    else {
        return;
    };
    let name = OPERATIONS[model.operation];
    let result = parse(model.operation, response);
    if !conforming {
        return;
    }
    match (error_status, result) {
        (None, Ok(())) => {}
        (None, Err(e)) => panic!("{name}: a valid {status} body did not parse: {e}\n{value}"),
        (Some(_), Err(Error::Service(e))) if e.status == status && e.error.is_some() => {}
        (Some(_), other) => panic!("{name}: a valid error body was not read: {other:?}\n{value}"),
    }
});
