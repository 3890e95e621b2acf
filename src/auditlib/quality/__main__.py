"""``python -m auditlib.quality``: regenerate ``expectations/*.json`` from the schema."""

from auditlib.quality.suites import write_suites

if __name__ == "__main__":
    for path in write_suites():
        print(path)
