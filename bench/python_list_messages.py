"""The Python listing row of the client CPU benchmark (chat-testkit/benches/client_cpu).

Usage: python_list_messages.py <endpoint> <thread-id> <warm-up> <listings>
       (the user access token in the CLIENT_CPU_TOKEN environment variable)

Lists every message of a thread on the local emulator with Microsoft's official SDK
(azure-communication-chat 1.2.0, ChatThreadClient.list_messages, pages of 200), <warm-up>
times and then <listings> times, and prints the measured listings' process CPU time
(time.process_time_ns) in the line format the Rust driver reads, counting listed messages
as its requests.
"""

import os
import resource
import sys
import time

from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.communication.chat import ChatClient, CommunicationTokenCredential

PAGE_SIZE = 200
MARKER_START = "/client-cpu-bench-marker-start"
MARKER_END = "/client-cpu-bench-marker-end"


class AllowHttpOnLoopback(SansIOHTTPPolicy):
    """Lets azure-core's bearer policy send the token over http (loopback emulator only)."""

    def on_request(self, request):
        request.context["enforce_https"] = False


def marker(path):
    try:
        os.stat(path)
    except OSError:
        pass


def list_all(thread, listings):
    count = 0
    for _ in range(listings):
        for _message in thread.list_messages(results_per_page=PAGE_SIZE):
            count += 1
    return count


def main(endpoint, thread_id, warmup, listings):
    policies = {"per_call_policies": [AllowHttpOnLoopback()]}
    credential = CommunicationTokenCredential(os.environ["CLIENT_CPU_TOKEN"])
    chat = ChatClient(endpoint, credential, **policies)
    thread = chat.get_chat_thread_client(thread_id, **policies)
    list_all(thread, warmup)

    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = time.process_time_ns()
    thread_before = time.thread_time_ns()
    wall_before = time.perf_counter_ns()
    marker(MARKER_START)
    listed = list_all(thread, listings)
    marker(MARKER_END)
    wall_after = time.perf_counter_ns()
    thread_after = time.thread_time_ns()
    cpu_after = time.process_time_ns()
    after = resource.getrusage(resource.RUSAGE_SELF)

    def micros(seconds):
        return round(seconds * 1_000_000)

    print(
        "client_cpu_result"
        f" requests={listed}"
        f" cpu_us={(cpu_after - cpu_before) // 1000}"
        f" user_us={micros(after.ru_utime - before.ru_utime)}"
        f" sys_us={micros(after.ru_stime - before.ru_stime)}"
        f" thread_us={(thread_after - thread_before) // 1000}"
        f" wall_us={(wall_after - wall_before) // 1000}",
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
