//! The service's response models as [`Shape`]s, from the OpenAPI documents (chat 2025-03-15,
//! identity 2026-09-23, the common identifier and error models).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::shapes::{Field, Shape, Text};

const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

const STRING: Shape = Shape::Text(Text::Any);
const TIME: Shape = Shape::Text(Text::Timestamp);
const CLOUD: Shape = Shape::Text(Text::Open(&["public", "dod", "gcch"]));
const STRING_MAP: Shape = Shape::Map(&STRING);

const fn kind(value: &'static str) -> Field {
    opt("kind", Shape::Text(Text::Exact(value)))
}

/// `CommunicationIdentifierModel`: one kind object, `kind` and `rawId` optional.
pub const IDENTIFIER: Shape = Shape::OneOf(&[
    Shape::Object(&[
        kind("communicationUser"),
        opt("rawId", STRING),
        req("communicationUser", Shape::Object(&[req("id", STRING)])),
    ]),
    Shape::Object(&[
        kind("phoneNumber"),
        opt("rawId", STRING),
        req(
            "phoneNumber",
            Shape::Object(&[
                req("value", STRING),
                opt("isAnonymous", Shape::Bool),
                opt("assertedId", STRING),
            ]),
        ),
    ]),
    Shape::Object(&[
        kind("microsoftTeamsUser"),
        opt("rawId", STRING),
        req(
            "microsoftTeamsUser",
            Shape::Object(&[
                req("userId", STRING),
                opt("isAnonymous", Shape::Bool),
                opt("cloud", CLOUD),
            ]),
        ),
    ]),
    Shape::Object(&[
        kind("microsoftTeamsApp"),
        opt("rawId", STRING),
        req(
            "microsoftTeamsApp",
            Shape::Object(&[req("appId", STRING), opt("cloud", CLOUD)]),
        ),
    ]),
    Shape::Object(&[
        kind("teamsExtensionUser"),
        opt("rawId", STRING),
        req(
            "teamsExtensionUser",
            Shape::Object(&[
                req("userId", STRING),
                req("tenantId", STRING),
                req("resourceId", STRING),
                opt("cloud", CLOUD),
            ]),
        ),
    ]),
    Shape::Object(&[kind("unknown"), opt("rawId", STRING)]),
]);

/// `CommunicationError`, two levels deep.
const ERROR_LEAF: Shape = Shape::Object(&[
    req("code", STRING),
    req("message", STRING),
    opt("target", STRING),
]);
const ERROR_MIDDLE: Shape = Shape::Object(&[
    req("code", STRING),
    req("message", STRING),
    opt("target", STRING),
    opt("details", Shape::Array(&ERROR_LEAF)),
    opt("innererror", ERROR_LEAF),
]);
/// `CommunicationError`.
pub const ERROR: Shape = Shape::Object(&[
    req("code", STRING),
    req("message", STRING),
    opt("target", STRING),
    opt("details", Shape::Array(&ERROR_MIDDLE)),
    opt("innererror", ERROR_MIDDLE),
]);
/// `CommunicationErrorResponse`.
pub const ERROR_RESPONSE: Shape = Shape::Object(&[req("error", ERROR)]);

const RETENTION_POLICY: Shape = Shape::OneOf(&[
    Shape::Object(&[
        req("kind", Shape::Text(Text::Exact("threadCreationDate"))),
        req(
            "deleteThreadAfterDays",
            Shape::Int(i32::MIN as i64, i32::MAX as i64),
        ),
    ]),
    Shape::Object(&[req("kind", Shape::Text(Text::Exact("none")))]),
]);

/// `ChatThreadProperties`.
pub const THREAD: Shape = Shape::Object(&[
    req("id", STRING),
    req("topic", STRING),
    req("createdOn", TIME),
    req("createdByCommunicationIdentifier", IDENTIFIER),
    opt("deletedOn", TIME),
    opt("metadata", STRING_MAP),
    opt("retentionPolicy", RETENTION_POLICY),
]);

const THREAD_ITEM: Shape = Shape::Object(&[
    req("id", STRING),
    req("topic", STRING),
    opt("deletedOn", TIME),
    opt("lastMessageReceivedOn", TIME),
]);

const PARTICIPANT: Shape = Shape::Object(&[
    req("communicationIdentifier", IDENTIFIER),
    opt("displayName", STRING),
    opt("shareHistoryTime", TIME),
    opt("metadata", STRING_MAP),
]);

const ATTACHMENT: Shape = Shape::Object(&[
    req("id", STRING),
    req(
        "attachmentType",
        Shape::Text(Text::Open(&["image", "file"])),
    ),
    opt("extension", STRING),
    opt("name", STRING),
    opt("url", STRING),
    opt("previewUrl", STRING),
]);

/// `ChatMessage`.
pub const MESSAGE: Shape = Shape::Object(&[
    req("id", STRING),
    req(
        "type",
        Shape::Text(Text::Open(&[
            "text",
            "html",
            "topicUpdated",
            "participantAdded",
            "participantRemoved",
        ])),
    ),
    req("sequenceId", STRING),
    req("version", STRING),
    opt(
        "content",
        Shape::Object(&[
            opt("message", STRING),
            opt("topic", STRING),
            opt("participants", Shape::Array(&PARTICIPANT)),
            opt("attachments", Shape::Array(&ATTACHMENT)),
            opt("initiatorCommunicationIdentifier", IDENTIFIER),
        ]),
    ),
    opt("senderDisplayName", STRING),
    req("createdOn", TIME),
    opt("senderCommunicationIdentifier", IDENTIFIER),
    opt("deletedOn", TIME),
    opt("editedOn", TIME),
    opt("metadata", STRING_MAP),
]);

const RECEIPT: Shape = Shape::Object(&[
    req("senderCommunicationIdentifier", IDENTIFIER),
    req("chatMessageId", STRING),
    req("readOn", TIME),
]);

const TOKEN: Shape = Shape::Object(&[req("token", STRING), req("expiresOn", TIME)]);

/// A paged collection of `item`s.
macro_rules! collection {
    ($item:expr) => {
        Shape::Object(&[req("value", Shape::Array(&$item)), opt("nextLink", STRING)])
    };
}

/// One response model: the operation (an index of [`crate::operations::OPERATIONS`]), its
/// success status, and the shape of its body.
#[derive(Debug)]
pub struct Model {
    /// The operation's index.
    pub operation: usize,
    /// The status the operation succeeds with.
    pub status: u16,
    /// The body's shape.
    pub shape: Shape,
}

/// Every operation whose success has a body, with that body's model.
pub static MODELS: [Model; 12] = [
    Model {
        operation: 0,
        status: 201,
        // `chatThread` is optional in the OpenAPI document, but the service always sends it
        // and the client needs it: a body without it is a typed error, not a success.
        shape: Shape::Object(&[
            req("chatThread", THREAD),
            opt("invalidParticipants", Shape::Array(&ERROR)),
        ]),
    },
    Model {
        operation: 1,
        status: 200,
        shape: collection!(THREAD_ITEM),
    },
    Model {
        operation: 2,
        status: 200,
        shape: THREAD,
    },
    Model {
        operation: 5,
        status: 201,
        shape: Shape::Object(&[req("id", STRING)]),
    },
    Model {
        operation: 6,
        status: 200,
        shape: MESSAGE,
    },
    Model {
        operation: 7,
        status: 200,
        shape: collection!(MESSAGE),
    },
    Model {
        operation: 10,
        status: 200,
        shape: collection!(PARTICIPANT),
    },
    Model {
        operation: 11,
        status: 201,
        shape: Shape::Object(&[opt("invalidParticipants", Shape::Array(&ERROR))]),
    },
    Model {
        operation: 14,
        status: 200,
        shape: collection!(RECEIPT),
    },
    Model {
        operation: 16,
        status: 201,
        shape: Shape::Object(&[
            req("identity", Shape::Object(&[req("id", STRING)])),
            opt("accessToken", TOKEN),
        ]),
    },
    Model {
        operation: 17,
        status: 200,
        shape: TOKEN,
    },
    Model {
        operation: 20,
        status: 200,
        shape: TOKEN,
    },
];

/// Every field name of every model.
pub(crate) fn known_names() -> &'static BTreeSet<&'static str> {
    static NAMES: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = BTreeSet::new();
        for model in &MODELS {
            collect(&model.shape, &mut names);
        }
        collect(&ERROR_RESPONSE, &mut names);
        names
    })
}

fn collect(shape: &'static Shape, names: &mut BTreeSet<&'static str>) {
    match shape {
        Shape::Object(fields) => {
            for f in *fields {
                names.insert(f.name);
                collect(&f.shape, names);
            }
        }
        Shape::Array(item) | Shape::Map(item) => collect(item, names),
        Shape::OneOf(options) => options.iter().for_each(|o| collect(o, names)),
        Shape::Text(_) | Shape::Int(..) | Shape::Bool => {}
    }
}
