"""The replayer end to end, over loopback sockets on ports chosen by the OS."""

import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from datagen import ReplayServer, UserError


def numbered(tmp_path, n, name="lines.txt"):
    path = tmp_path / name
    path.write_bytes(b"".join(b"line %06d\n" % i for i in range(n)))
    return path


def receive(port, limit=None, timeout=10.0):
    """Read until EOF (or `limit` lines): (data, arrival time of first and last byte)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data, first, last = b"", None, None
    try:
        while limit is None or data.count(b"\n") < limit:
            chunk = sock.recv(65536)
            if not chunk:
                break
            last = time.monotonic()
            first = first or last
            data += chunk
    finally:
        sock.close()
    return data, first, last


@pytest.mark.parametrize("rate,n", [(20, 31), (50_000, 60_001)])
def test_client_gets_exactly_the_lines_in_order_at_the_rate(tmp_path, rate, n):
    path = numbered(tmp_path, n)
    with ReplayServer([path], rate=rate) as server:
        data, first, last = receive(server.port)
    assert data == path.read_bytes()
    measured = (n - 1) / (last - first)
    assert abs(measured - rate) <= 0.05 * rate, measured


def test_a_directory_is_replayed_in_date_order(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("2013-09-17.log", "2013-09-16.log", "2013-09-18.log"):
        (logs / name).write_text(name + "\n")
    with ReplayServer([logs], rate=10_000) as server:
        data, _, _ = receive(server.port)
    assert data.decode().split() == ["2013-09-16.log", "2013-09-17.log", "2013-09-18.log"]


def test_a_client_that_disconnects_does_not_stop_the_server(tmp_path):
    path = numbered(tmp_path, 400)
    messages = []
    with ReplayServer([path], rate=2_000, log=messages.append) as server:
        partial, _, _ = receive(server.port, limit=20)      # hang up early
        assert len(partial) < len(path.read_bytes())
        full, _, _ = receive(server.port)
        assert full == path.read_bytes()
        deadline = time.monotonic() + 5
        while not any("disconnected" in m for m in messages) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.connections == 2
    assert any("client 1 disconnected" in m for m in messages), messages
    assert messages[-1].startswith("replay: stopped")


def test_two_clients_at_once_each_get_everything(tmp_path):
    path = numbered(tmp_path, 1_000)
    results = [None, None]

    def client(i):
        results[i] = receive(server.port)[0]

    with ReplayServer([path], rate=4_000) as server:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert server.lines_sent == 2_000
    assert results == [path.read_bytes()] * 2


def test_shared_clients_see_one_common_stream(tmp_path):
    path = numbered(tmp_path, 600)
    expected = path.read_bytes()
    with ReplayServer([path], rate=2_000, shared=True) as server:
        one = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        head = b""
        while head.count(b"\n") < 100:
            head += one.recv(65536)
        later, _, _ = receive(server.port)      # joins mid-stream, reads to the end
        rest = b""
        while chunk := one.recv(65536):
            rest += chunk
        one.close()
    assert head + rest == expected
    assert later and later != expected and expected.endswith(later)


def test_loop_starts_over(tmp_path):
    path = numbered(tmp_path, 10)
    with ReplayServer([path], rate=5_000, loop=True) as server:
        data, _, _ = receive(server.port, limit=35)
    assert data.splitlines()[:35] == (path.read_bytes().splitlines() * 4)[:35]


def test_speedup_follows_the_timestamps(tmp_path):
    path = tmp_path / "day.log"
    path.write_text("".join(f'1.2.3.4 - 7 [16/Sep/2013:10:00:{s:02d} +0100] "GET /x"\n'
                            for s in range(0, 20, 2)))         # 10 lines, 2 s apart
    with ReplayServer([path], speedup=20) as server:           # 0.1 s apart
        data, first, last = receive(server.port)
    assert data == path.read_bytes()
    assert 0.9 * 0.9 < last - first < 0.9 * 1.05 + 0.02


def test_port_in_use_and_unreadable_input_are_user_errors(tmp_path):
    path = numbered(tmp_path, 5)
    with ReplayServer([path]) as server:
        with pytest.raises(UserError, match="in use"):
            ReplayServer([path], port=server.port).start()
    with pytest.raises(UserError, match="cannot read"):
        ReplayServer([tmp_path / "missing.log"])
    with pytest.raises(UserError, match="rate"):
        ReplayServer([path], rate=0)


def test_stop_is_prompt_with_a_client_mid_stream(tmp_path):
    path = numbered(tmp_path, 1_000)
    server = ReplayServer([path], rate=10).start()
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.recv(100)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    sock.close()


def test_command_line_ctrl_c_stops_cleanly(tmp_path):
    path = numbered(tmp_path, 100)
    with socket.socket() as probe:                   # a free port, chosen by the OS
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "datagen", "replay", "--port", str(port),
                             "--rate", "1000", str(path)],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                data, _, _ = receive(port)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert data == path.read_bytes()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err
    assert "1 connection(s), 100 lines sent" in err
