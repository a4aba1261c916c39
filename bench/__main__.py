"""`python -m bench` (`make bench`): every benchmark, each printing ratios against a baseline
measured in the same run."""

from bench import discovery


def main() -> None:
    discovery.main()


if __name__ == "__main__":
    main()
