"""Tests of report.py: python3 -m unittest benches/fleet/test_report.py"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def write(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    f.write(text)
    f.close()
    return f.name


class SessionsTest(unittest.TestCase):
    def test_docker_stamps_with_nanoseconds_are_parsed(self):
        path = write(
            "infrac-host-1 2026-11-26T17:26:55.284021684Z Starting session: command for deploy\n"
            "infrac-host-2 2026-11-26T17:26:56Z Starting session: subsystem 'sftp' for deploy\n"
        )
        times = report.session_times(path)
        self.assertAlmostEqual(times["infrac-host-1"][0], 1795714015.284021, places=5)
        self.assertEqual(times["infrac-host-2"], [1795714016.0])

    def test_a_session_belongs_to_the_run_started_last_before_it(self):
        runs = [("infrac", "first", 10.0, {}), ("infrac", "first", 20.0, {}), ("floor", "nochange", 30.0, {})]
        sessions = {"h1": [9.0, 11.0, 12.0, 21.0, 35.0], "h2": [19.9], "other": [25.0]}
        counts = report.commands_per_run(runs, sessions, ["h1", "h2"])
        # 9.0 is before every run: counted nowhere; hosts not benchmarked are ignored.
        self.assertEqual(counts, [{"h1": 2, "h2": 1}, {"h1": 1, "h2": 0}, {"h1": 1, "h2": 0}])


class TableTest(unittest.TestCase):
    def test_warm_ups_are_dropped_and_values_are_per_host(self):
        first = write('{"results": [{"command": "infrac", "median": 1.0}]}')
        nochange = write(
            '{"results": [{"command": "infrac", "median": 0.5}, {"command": "ssh true (floor)", "median": 0.25}]}'
        )
        runs = write(
            "infrac\tfirst\t10\t11\t200000000\t1048576\t2048\t400000000\n"
            "infrac\tnochange\t20\t21\t900000000\t1048576\t2048\t900000000\n"  # warm-up: dropped
            "infrac\tnochange\t30\t31\t100000000\t2097152\t4096\t200000000\n"
            "floor\tnochange\t40\t41\t—\t—\t—\t100000000\n"  # warm-up
            "floor\tnochange\t50\t51\t50000000\t—\t—\t20000000\n"
        )
        # 20.5: the warm-up's session, not counted.
        sessions = write(
            "".join(
                f"infrac-host-{h} 1970-01-01T00:00:{s}Z Starting session: command\n"
                for h in (1, 2)
                for s in ("10.5", "20.5", "30.5", "30.6", "50.5")
            )
        )
        with tempfile.TemporaryFile("w+") as out:
            stdout, sys.stdout = sys.stdout, out
            try:
                report.main(["report.py", "2", "1", first, nochange, runs, sessions])
            finally:
                sys.stdout = stdout
            out.seek(0)
            rows = out.read().splitlines()
        self.assertEqual(
            rows[2],
            "| infrac | 1.00 s (1.0x) | 0.50 s (1.0x) | 1 | 2 | 0.100 s | 0.050 s | 0.200 s | 0.100 s | 4.0 MB | 2.0 MB |",
        )
        self.assertEqual(
            rows[3],
            "| ssh true (floor) | — | 0.25 s (0.5x) | — | 1 | — | 0.025 s | — | 0.010 s | — | — |",
        )


if __name__ == "__main__":
    unittest.main()
