//! Arbitrary JSON trees shaped like the service's response models.
//!
//! A [`Shape`] describes a model as the OpenAPI documents do (field names, types, which fields
//! are required); [`Gen`] draws a `serde_json::Value` that follows it, field by field, from the
//! fuzzer's bytes. At any node it may instead put something hostile — a value of another type,
//! `null`, a huge number or string, an impossible timestamp, a deeply nested array — and it may
//! drop required fields and add unknown ones. [`Gen::conforming`] stays true while every choice
//! kept the tree valid for the model, so a target can demand that such a tree parses.

use arbitrary::Unstructured;
use serde_json::{Map, Number, Value};

/// What a JSON value must look like.
#[derive(Debug)]
pub enum Shape {
    /// A string.
    Text(Text),
    /// An integer within the bounds (inclusive).
    Int(i64, i64),
    /// `true` or `false`.
    Bool,
    /// An object with these fields.
    Object(&'static [Field]),
    /// An array of one shape.
    Array(&'static Shape),
    /// An object with any keys, all values of one shape.
    Map(&'static Shape),
    /// Any one of these shapes.
    OneOf(&'static [Shape]),
}

/// What a string means.
#[derive(Debug)]
pub enum Text {
    /// Any string.
    Any,
    /// An RFC 3339 date-time.
    Timestamp,
    /// Exactly this string (a discriminator).
    Exact(&'static str),
    /// An extensible enum: these values, or any other string.
    Open(&'static [&'static str]),
}

/// A field of an object.
#[derive(Debug)]
pub struct Field {
    /// The JSON name.
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
    /// Whether the model requires it.
    pub required: bool,
}

/// Timestamps a parser must refuse or survive: out of range once converted to UTC, leap
/// seconds, impossible dates, other formats.
const HOSTILE_TIMES: [&str; 12] = [
    "9999-12-31T23:59:59-23:59",
    "0000-01-01T00:00:00+23:59",
    "9999-12-31T23:59:60Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01 00:00:00Z",
    "2024-01-01t00:00:00z",
    "2024-01-01T00:00:00.1234567890123Z",
    "+2024-01-01T00:00:00Z",
    "1/1/1970 12:00:00 AM +00:00",
    "2024-01-01T00:00:00+24:00",
    "",
];

/// Numbers at the edges of every integer and float type.
const HUGE_NUMBERS: [f64; 6] = [
    f64::MAX,
    -f64::MAX,
    1e-308,
    9_007_199_254_740_993.0,
    0.5,
    -0.0,
];

/// Draws JSON trees from fuzzer bytes (see the module doc).
#[derive(Debug)]
pub struct Gen<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    /// True while the tree drawn so far is valid for its shape.
    pub conforming: bool,
    depth: usize,
}

/// How deep the shapes go before hostile values stop (nesting of the models is small).
const MAX_DEPTH: usize = 12;

impl<'a, 'b> Gen<'a, 'b> {
    /// A generator over `u`.
    pub fn new(u: &'b mut Unstructured<'a>) -> Self {
        Self {
            u,
            conforming: true,
            depth: 0,
        }
    }

    fn byte(&mut self) -> u8 {
        self.u.arbitrary().unwrap_or(0)
    }

    fn below(&mut self, n: usize) -> usize {
        self.u.choose_index(n).unwrap_or(0)
    }

    /// A value for `shape`: conforming, or (about one node in sixteen) hostile.
    pub fn value(&mut self, shape: &Shape) -> Value {
        if self.byte() >= 240 {
            self.conforming = false;
            return self.hostile();
        }
        self.depth += 1;
        let v = match shape {
            Shape::Text(text) => Value::String(self.text(text)),
            Shape::Int(lo, hi) => Value::from(self.u.int_in_range(*lo..=*hi).unwrap_or(*lo)),
            Shape::Bool => Value::Bool(self.byte() & 1 == 1),
            Shape::Object(fields) => self.object(fields),
            Shape::Array(item) => {
                let n = self.below(4);
                Value::Array((0..n).map(|_| self.value(item)).collect())
            }
            Shape::Map(item) => {
                let mut map = Map::new();
                for _ in 0..self.below(4) {
                    let key = self.string();
                    let v = self.value(item);
                    map.insert(key, v);
                }
                Value::Object(map)
            }
            Shape::OneOf(options) => {
                let i = self.below(options.len());
                self.value(&options[i])
            }
        };
        self.depth -= 1;
        v
    }

    fn object(&mut self, fields: &[Field]) -> Value {
        let mut map = Map::new();
        for field in fields {
            let roll = self.byte();
            let present = if field.required {
                // A required field is dropped one time in sixteen.
                roll < 240 || {
                    self.conforming = false;
                    false
                }
            } else {
                roll & 1 == 0
            };
            if present {
                let v = self.value(&field.shape);
                map.insert(field.name.to_owned(), v);
            }
        }
        // Unknown fields: a conforming model ignores them, unless the key is one the models
        // know (it could then stand for something else here).
        if self.byte() >= 224 {
            for _ in 0..=self.below(3) {
                let key = self.string();
                if crate::models::known_names().contains(key.as_str()) {
                    self.conforming = false;
                }
                let v = self.hostile();
                map.insert(key, v);
            }
        }
        Value::Object(map)
    }

    fn text(&mut self, text: &Text) -> String {
        match text {
            Text::Any => self.string(),
            Text::Exact(s) => (*s).to_owned(),
            Text::Open(values) => {
                let i = self.below(values.len() + 1);
                match values.get(i) {
                    Some(v) => (*v).to_owned(),
                    None => self.string(),
                }
            }
            Text::Timestamp => self.timestamp(),
        }
    }

    fn string(&mut self) -> String {
        <&str as arbitrary::Arbitrary>::arbitrary(self.u)
            .unwrap_or("")
            .to_owned()
    }

    /// A valid RFC 3339 date-time between 1970 and 2100, with 0 to 7 fractional digits and a
    /// `Z` or numeric offset.
    fn timestamp(&mut self) -> String {
        let mut n = |lo: u32, hi: u32| self.u.int_in_range(lo..=hi).unwrap_or(lo);
        let (y, mo, d) = (n(1970, 2100), n(1, 12), n(1, 28));
        let (h, mi, s) = (n(0, 23), n(0, 59), n(0, 59));
        let digits = n(0, 7) as usize;
        let fraction = n(0, 9_999_999);
        let offset = match n(0, 2) {
            0 => "Z".to_owned(),
            sign => {
                let sign = if sign == 1 { '+' } else { '-' };
                format!("{sign}{:02}:{:02}", n(0, 23), n(0, 59))
            }
        };
        let fraction = if digits == 0 {
            String::new()
        } else {
            format!(".{:07}", fraction)[..=digits].to_owned()
        };
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{offset}")
    }

    /// Something no model accepts there (or only by chance).
    fn hostile(&mut self) -> Value {
        match self.below(9) {
            0 => Value::Null,
            1 => Value::Bool(self.byte() & 1 == 1),
            2 => {
                let i = self.below(HUGE_NUMBERS.len());
                Number::from_f64(HUGE_NUMBERS[i]).map_or(Value::Null, Value::Number)
            }
            3 => Value::from(if self.byte() & 1 == 0 { u64::MAX } else { 0 }),
            4 => Value::from(i64::MIN),
            5 => {
                let i = self.below(HOSTILE_TIMES.len());
                Value::String(HOSTILE_TIMES[i].to_owned())
            }
            6 => {
                // A huge string: up to 128 Ki of one character.
                let c = <char as arbitrary::Arbitrary>::arbitrary(self.u).unwrap_or('a');
                let len = 1 << self.below(18);
                Value::String(std::iter::repeat_n(c, len).collect())
            }
            7 => {
                // Nested arrays around the recursion limit of serde_json (128).
                let depth = 100 + self.below(60);
                (0..depth).fold(Value::Null, |inner, _| Value::Array(vec![inner]))
            }
            _ if self.depth < MAX_DEPTH => {
                self.depth += 1;
                let v = match self.below(2) {
                    0 => Value::Array((0..self.below(3)).map(|_| self.hostile()).collect()),
                    _ => {
                        let mut map = Map::new();
                        for _ in 0..self.below(3) {
                            let k = self.string();
                            let v = self.hostile();
                            map.insert(k, v);
                        }
                        Value::Object(map)
                    }
                };
                self.depth -= 1;
                v
            }
            _ => Value::String(self.string()),
        }
    }
}
