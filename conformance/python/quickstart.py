"""The ACS Chat quickstart, run with Microsoft's official Python SDK against the emulator.

Usage: quickstart.py <endpoint> <access-key-base64>

Every step is printed and asserted; any failure exits non-zero. The SDK is configured only
through public options:
- identity: CommunicationIdentityClient(endpoint, AzureKeyCredential(key)) (its
  from_connection_string forces https);
- chat: a per-call policy that turns off the bearer policy's https check (the emulator is
  plain http on loopback), passed to both ChatClient and get_chat_thread_client.
"""

import sys
import uuid
from datetime import datetime, timezone

from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.communication.identity import CommunicationIdentityClient, CommunicationTokenScope
from azure.communication.chat import (
    ChatClient,
    ChatMessageType,
    ChatParticipant,
    CommunicationTokenCredential,
    CommunicationUserIdentifier,
)

STEP = [0]


def step(name):
    STEP[0] += 1
    print(f"[{STEP[0]:02d}] {name}", flush=True)


def show(label, value):
    """Prints a value the service generated (ids, times): a recorded run and its playback
    print the same."""
    print(f"     {label}: {value}", flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def expiry(value):
    """azure-communication-identity 1.5 returns `expiresOn` as the service's string."""
    if isinstance(value, datetime):
        return value
    date, _, rest = value.partition(".")
    fraction, offset = rest[:-6], rest[-6:]
    check(len(fraction) == 7 and offset == "+00:00", f"expiresOn form {value}")
    return datetime.fromisoformat(f"{date}.{fraction[:6]}{offset}")


class AllowHttpOnLoopback(SansIOHTTPPolicy):
    """Lets azure-core's bearer policy send the token over http (loopback emulator only)."""

    def on_request(self, request):
        request.context["enforce_https"] = False


def main(endpoint, access_key):
    policies = {"per_call_policies": [AllowHttpOnLoopback()]}

    step("identity: create two users with chat tokens, one user without")
    identity = CommunicationIdentityClient(endpoint, AzureKeyCredential(access_key))
    alice, alice_token = identity.create_user_and_token(scopes=[CommunicationTokenScope.CHAT])
    check(alice.properties["id"].startswith("8:acs:"), f"alice id {alice.properties['id']}")
    check(alice_token.token.count(".") == 2, "alice token is a JWT")
    check(expiry(alice_token.expires_on) > datetime.now(timezone.utc), "token expires in the future")
    bob = identity.create_user()
    bob_token = identity.get_token(bob, scopes=[CommunicationTokenScope.CHAT])
    check(bob_token.token != alice_token.token, "distinct tokens")
    carol = identity.create_user()
    ghost = identity.create_user()
    identity.delete_user(ghost)
    for name, user in [("alice", alice), ("bob", bob), ("carol", carol), ("ghost", ghost)]:
        show(name, user.properties["id"])
    show("alice's token expires", expiry(alice_token.expires_on).isoformat())

    step("chat: create a thread with a participant and a repeatability id")
    chat = ChatClient(endpoint, CommunicationTokenCredential(alice_token.token), **policies)
    request_id = str(uuid.uuid4())
    created = chat.create_chat_thread(
        "quickstart topic",
        thread_participants=[ChatParticipant(identifier=bob, display_name="Bob",
                                             share_history_time=datetime.now(timezone.utc))],
        idempotency_token=request_id,
    )
    check(not created.errors, f"no failed participants: {created.errors}")
    thread = created.chat_thread
    check(thread.id.startswith("19:") and thread.id.endswith("@thread.v2"), f"thread id {thread.id}")
    check(thread.topic == "quickstart topic", "topic")
    check(thread.created_by.properties["id"] == alice.properties["id"], "creator")
    show("thread", f"{thread.id} created on {thread.created_on.isoformat()}")

    step("chat: the same repeatability id returns the same thread")
    again = chat.create_chat_thread("quickstart topic", idempotency_token=request_id)
    check(again.chat_thread.id == thread.id, "same thread for the same repeatability id")

    thread_client = chat.get_chat_thread_client(thread.id, **policies)

    step("chat: get thread properties")
    props = thread_client.get_properties()
    check(props.id == thread.id and props.topic == "quickstart topic", "properties")

    step("chat: list threads")
    threads = [t for t in chat.list_chat_threads()]
    check([t.id for t in threads] == [thread.id], f"threads {threads}")

    step("chat: send a text and an html message")
    text = thread_client.send_message("hello world", sender_display_name="Alice")
    html = thread_client.send_message("<b>hello</b>", chat_message_type=ChatMessageType.HTML,
                                      sender_display_name="Alice")
    check(text.id.isdigit() and html.id.isdigit() and int(html.id) > int(text.id), "epoch-ms ids")
    show("messages", f"{text.id} {html.id}")

    step("chat: get a message")
    message = thread_client.get_message(text.id)
    check(message.content.message == "hello world", "content")
    check(message.type == ChatMessageType.TEXT, "type")
    check(message.sender_display_name == "Alice", "sender display name")
    check(message.sender.properties["id"] == alice.properties["id"], "sender")
    check(message.version == text.id, "version equals id before an edit")

    step("chat: list messages page by page (2 per page)")
    pages = [list(page) for page in thread_client.list_messages(results_per_page=2).by_page()]
    check(all(len(p) <= 2 for p in pages), "page size honoured")
    listed = [m for p in pages for m in p]
    check(len(pages) >= 2, f"several pages: {[len(p) for p in pages]}")
    types = [m.type for m in listed]
    check([m.id for m in listed][:2] == [html.id, text.id], "newest first")
    check(len({m.id for m in listed}) == len(listed), "no message twice")
    check(types == [ChatMessageType.HTML, ChatMessageType.TEXT, ChatMessageType.TOPIC_UPDATED,
                    ChatMessageType.PARTICIPANT_ADDED], f"message types: {types}")
    check([int(m.sequence_id) for m in listed] == [4, 3, 2, 1], "sequence ids")
    show("pages", [[m.id for m in p] for p in pages])

    step("chat: update the topic")
    thread_client.update_topic("new topic")
    check(thread_client.get_properties().topic == "new topic", "topic updated")

    step("chat: update a message")
    thread_client.update_message(text.id, content="hello again")
    edited = thread_client.get_message(text.id)
    check(edited.content.message == "hello again", "edited content")
    check(edited.edited_on is not None and edited.version != text.id, "edit time and version")
    show("edited", f"version {edited.version} on {edited.edited_on.isoformat()}")

    step("chat: send a read receipt and list read receipts")
    thread_client.send_read_receipt(html.id)
    receipts = list(thread_client.list_read_receipts())
    check(len(receipts) == 1 and receipts[0].chat_message_id == html.id, f"receipts {receipts}")
    check(receipts[0].sender.properties["id"] == alice.properties["id"], "receipt sender")
    show("read on", receipts[0].read_on.isoformat())

    step("chat: send a typing notification")
    thread_client.send_typing_notification(sender_display_name="Alice")

    step("chat: add participants, one of whom cannot join")
    failed = thread_client.add_participants([
        ChatParticipant(identifier=carol, display_name="Carol"),
        ChatParticipant(identifier=CommunicationUserIdentifier(ghost.properties["id"])),
    ])
    check(len(failed) == 1, f"one failure: {failed}")
    participant, error = failed[0]
    check(participant.identifier.properties["id"] == ghost.properties["id"], "failed participant")
    check(error.target == ghost.properties["id"], f"error target {error.target}")
    show("failed", f"{error.code}: {error.message}")

    step("chat: list participants")
    ids = sorted(p.identifier.properties["id"] for p in thread_client.list_participants())
    expected = sorted([alice.properties["id"], bob.properties["id"], carol.properties["id"]])
    check(ids == expected, f"participants {ids}")
    by_page = [list(p) for p in thread_client.list_participants(results_per_page=1).by_page()]
    check([len(p) for p in by_page] == [1, 1, 1], f"participant pages {[len(p) for p in by_page]}")

    step("chat: remove a participant")
    thread_client.remove_participant(carol)
    ids = sorted(p.identifier.properties["id"] for p in thread_client.list_participants())
    check(carol.properties["id"] not in ids and len(ids) == 2, f"participants {ids}")

    step("chat: bob reads the thread with his own token")
    bob_chat = ChatClient(endpoint, CommunicationTokenCredential(bob_token.token), **policies)
    bob_thread = bob_chat.get_chat_thread_client(thread.id, **policies)
    check(bob_thread.get_properties().topic == "new topic", "bob sees the thread")

    step("chat: delete a message")
    thread_client.delete_message(html.id)
    remaining = [m for m in thread_client.list_messages() if m.deleted_on is None]
    check(html.id not in [m.id for m in remaining], "deleted message is gone from live messages")
    check(text.id in [m.id for m in remaining], "other message stays")

    step("chat: delete the thread")
    chat.delete_chat_thread(thread.id)
    try:
        thread_client.get_properties()
        raise AssertionError("the deleted thread is still readable")
    except HttpResponseError as e:
        check(e.status_code == 404, f"404 after delete, got {e.status_code}")
    check(list(chat.list_chat_threads()) == [], "no threads left")

    step("identity: revoke bob's tokens; his chat calls now fail with 401")
    identity.revoke_tokens(bob)
    try:
        list(bob_chat.list_chat_threads())
        raise AssertionError("a revoked token still works")
    except HttpResponseError as e:
        check(e.status_code == 401, f"401 after revoke, got {e.status_code}")

    print(f"quickstart passed: {STEP[0]} steps", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    try:
        main(sys.argv[1], sys.argv[2])
    except Exception as e:  # noqa: BLE001 - report any failure and exit non-zero
        print(f"FAILED at step {STEP[0]}: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
