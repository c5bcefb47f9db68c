#!/usr/bin/python3
"""Scrapes a Prometheus /metrics page and parses ALL of it with prometheus_client's own
text-format parser (Debian's python3-prometheus-client), an implementation independent of Cairn.

usage:
  scrape_metrics.py URL SAMPLE [label=value ...]   print the sum of the samples named SAMPLE
                                                   whose labels include the given ones (0 if none)
  scrape_metrics.py URL --type FAMILY              print the declared type of a family
  scrape_metrics.py URL --check                    parse only; exit 1 on a malformed page
"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main(argv):
    url = argv[1]
    with urllib.request.urlopen(url, timeout=5) as resp:
        if resp.status != 200:
            raise SystemExit("status %d" % resp.status)
        ctype = resp.headers.get("Content-Type", "")
        if not ctype.startswith("text/plain; version=0.0.4"):
            raise SystemExit("unexpected Content-Type " + ctype)
        text = resp.read().decode("utf-8")
    families = list(text_string_to_metric_families(text))  # raises on any malformed line
    if argv[2] == "--check":
        print("ok %d families" % len(families))
        return
    if argv[2] == "--type":
        for fam in families:
            if fam.name == argv[3] or fam.name + "_total" == argv[3]:
                print(fam.type)
                return
        print("absent")
        return
    want = dict(a.split("=", 1) for a in argv[3:])
    total = 0.0
    for fam in families:
        for s in fam.samples:
            if s.name == argv[2] and all(s.labels.get(k) == v for k, v in want.items()):
                total += s.value
    print(int(total) if total == int(total) else total)


if __name__ == "__main__":
    main(sys.argv)
