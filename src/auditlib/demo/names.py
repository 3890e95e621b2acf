"""Swedish-looking fake names, companies, e-mail addresses, phone and org numbers.

All values are invented from small pools; any likeness to a real person or
company is chance. Everything is vectorised over NumPy arrays.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIRST_NAMES = np.array(
    [
        "Anna",
        "Eva",
        "Maria",
        "Karin",
        "Sara",
        "Lena",
        "Kerstin",
        "Emma",
        "Ingrid",
        "Marie",
        "Malin",
        "Jenny",
        "Hanna",
        "Linda",
        "Elin",
        "Ida",
        "Julia",
        "Sofia",
        "Johanna",
        "Elsa",
        "Maja",
        "Alice",
        "Astrid",
        "Ebba",
        "Wilma",
        "Klara",
        "Saga",
        "Frida",
        "Agnes",
        "Moa",
        "Lars",
        "Mikael",
        "Anders",
        "Johan",
        "Erik",
        "Per",
        "Karl",
        "Peter",
        "Thomas",
        "Jan",
        "Daniel",
        "Fredrik",
        "Hans",
        "Andreas",
        "Stefan",
        "Mats",
        "Magnus",
        "Niklas",
        "Marcus",
        "Jonas",
        "Oskar",
        "Lukas",
        "Elias",
        "Hugo",
        "Axel",
        "Liam",
        "Nils",
        "Gustav",
        "Björn",
        "Åke",
        "Örjan",
        "Sven",
        "Göran",
        "Ulf",
        "Olle",
        "Kalle",
        "Emil",
        "Viktor",
    ]
)
LAST_NAMES = np.array(
    [
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Olsson",
        "Persson",
        "Svensson",
        "Gustafsson",
        "Pettersson",
        "Jonsson",
        "Jansson",
        "Hansson",
        "Bengtsson",
        "Jönsson",
        "Lindberg",
        "Jakobsson",
        "Magnusson",
        "Lindström",
        "Olofsson",
        "Lindqvist",
        "Lindgren",
        "Berg",
        "Axelsson",
        "Bergström",
        "Lundberg",
        "Lind",
        "Lundgren",
        "Lundqvist",
        "Mattsson",
        "Berglund",
        "Fredriksson",
        "Sandberg",
        "Henriksson",
        "Forsberg",
        "Sjöberg",
        "Wallin",
        "Ali",
        "Engström",
        "Eklund",
        "Danielsson",
        "Håkansson",
        "Lundin",
        "Björk",
        "Bergman",
        "Gunnarsson",
        "Holm",
        "Wikström",
        "Samuelsson",
        "Isaksson",
        "Fransson",
        "Bergqvist",
        "Nyström",
        "Holmberg",
        "Arvidsson",
        "Löfgren",
        "Söderberg",
        "Nyberg",
        "Blomqvist",
        "Claesson",
        "Nordström",
        "Mårtensson",
    ]
)
COMPANY_STEMS = np.array(
    [
        "Fjäll",
        "Skog",
        "Sjö",
        "Berg",
        "Dal",
        "Ek",
        "Lind",
        "Björk",
        "Gran",
        "Strand",
        "Ö",
        "Vik",
        "Holm",
        "Älv",
        "Äng",
        "Sol",
        "Norr",
        "Syd",
        "Väst",
        "Öst",
        "Kust",
        "Hav",
        "Fors",
        "Ås",
        "Mo",
        "Lund",
        "Sten",
        "Klippa",
        "Vind",
        "Ljus",
    ]
)
COMPANY_KINDS = np.array(
    [
        "Bygg",
        "Fastigheter",
        "Redovisning",
        "Tandvård",
        "Bilvård",
        "Konsult",
        "Elektriska",
        "Måleri",
        "Städ",
        "Förskola",
        "Vårdcentral",
        "Idrottsförening",
        "Bostadsrättsförening",
        "Trafikskola",
        "Golv",
        "Rör",
        "Frisör",
        "Bageri",
        "Transport",
        "Tryckeri",
    ]
)
COMPANY_FORMS = np.array(["AB", "AB", "AB", "HB", "ekonomisk förening"])
MAIL_DOMAINS = np.array(
    [
        "gmail.com",
        "hotmail.se",
        "outlook.com",
        "telia.com",
        "yahoo.se",
        "icloud.com",
        "bredband.net",
    ]
)
MOBILE_PREFIXES = np.array(["70", "72", "73", "76", "79"])
USER_AGENTS = np.array(
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
        "one2many-app/3.2 (iOS)",
        "one2many-app/3.2 (Android)",
    ]
)
# Public-looking IPv4 first octets of Swedish operators (invented host parts).
IP_FIRST_OCTETS = np.array([78, 81, 83, 85, 90, 94, 155, 188, 193, 213])

_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O", " ": ""})


def ascii_lower(values: np.ndarray) -> np.ndarray:
    """Lower-case, å/ä/ö folded to a/a/o, spaces removed (for e-mail local parts)."""
    table = {v: v.translate(_ASCII).lower() for v in np.unique(values)}
    uniq, inv = np.unique(values, return_inverse=True)
    return np.array([table[u] for u in uniq], dtype=object)[inv]


def person_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) name arrays."""
    return rng.choice(FIRST_NAMES, n), rng.choice(LAST_NAMES, n)


def join(*parts: np.ndarray | str, as_arrow: bool = False) -> np.ndarray:
    """Element-wise string concatenation of arrays (any dtype) and constants, in Arrow.

    Returns an object array (None stays None), or with ``as_arrow`` the Arrow array. Arrow does the number-to-text casts and
    the concatenation in C++, which is much faster than NumPy object arithmetic.
    """
    arrays: list[pa.Array | str] = []
    for p in parts:
        if isinstance(p, str):
            arrays.append(p)
        elif p.dtype == object or p.dtype.kind in "US":
            arrays.append(pa.array(p, type=pa.string(), from_pandas=True))
        else:
            arrays.append(pa.array(p).cast(pa.string()))
    if all(isinstance(a, str) for a in arrays):
        raise ValueError("join needs at least one array")
    out = pc.binary_join_element_wise(*arrays, "")
    return out if as_arrow else out.to_numpy(zero_copy_only=False)  # Arrow: ~4x less memory


def emails(first: np.ndarray, last: np.ndarray, ids: np.ndarray, domains: np.ndarray) -> np.ndarray:
    """'anna.lindqvist123@domain' — the id suffix keeps addresses unique per row."""
    return join(ascii_lower(first), ".", ascii_lower(last), ids, "@", domains)


def company_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(company names, their stems) — e.g. ('Fjällvikens Bygg AB', 'Fjällvikens')."""
    stems = join(rng.choice(COMPANY_STEMS, n), rng.choice(["", "s", "ens", "vikens"], n))
    names = join(stems, " ", rng.choice(COMPANY_KINDS, n), " ", rng.choice(COMPANY_FORMS, n))
    return names, stems


def company_domains(stems: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return join(ascii_lower(stems), ids, ".se")


def org_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Aktiebolag-style organisationsnummer '55NNNN-NNNC' with a valid Luhn check digit."""
    digits = np.concatenate([np.full((n, 2), 5), rng.integers(0, 10, size=(n, 7))], axis=1)
    prod = digits * np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    check = (10 - (prod // 10 + prod % 10).sum(axis=1) % 10) % 10
    left = digits[:, :6] @ (10 ** np.arange(5, -1, -1))
    right = (digits[:, 6:] @ np.array([100, 10, 1])) * 10 + check
    return join(
        np.char.zfill(left.astype(str), 6).astype(object),
        "-",
        np.char.zfill(right.astype(str), 4).astype(object),
    )


def mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Swedish mobile numbers in E.164: '+467XNNNNNNN'."""
    tail = rng.integers(0, 10_000_000, size=n)
    return join(
        "+46",
        rng.choice(MOBILE_PREFIXES, n),
        pc.utf8_lpad(pa.array(tail).cast(pa.string()), 7, "0").to_numpy(zero_copy_only=False),
    )


_HEX_GROUPS = np.array([f"{v:x}" for v in range(0x1000, 0x10000)], dtype=object)


def hex_group(rng: np.random.Generator, n: int) -> np.ndarray:
    """IPv6 groups 1000..ffff: four hex digits, no leading zero (PostgreSQL's canonical text)."""
    return _HEX_GROUPS[rng.integers(0x1000, 0x10000, size=n) - 0x1000]


def ipv6(rng: np.random.Generator, n: int, as_arrow: bool = False) -> np.ndarray:
    """'2a02:aa1:XXXX:XXXX::XXXX', already in canonical (RFC 5952) form."""
    return join(
        "2a02:aa1:",
        hex_group(rng, n),
        ":",
        hex_group(rng, n),
        "::",
        hex_group(rng, n),
        as_arrow=as_arrow,
    )


def ipv4(rng: np.random.Generator, n: int, as_arrow: bool = False) -> np.ndarray:
    o = [rng.choice(IP_FIRST_OCTETS, n)] + [rng.integers(1, 255, size=n) for _ in range(3)]
    return join(o[0], ".", o[1], ".", o[2], ".", o[3], as_arrow=as_arrow)


def pick(rng: np.random.Generator, values: np.ndarray, n: int) -> pa.Array:
    """``rng.choice(values, n)`` (the same draws) as an Arrow array: no fixed-width copy per row."""
    return pa.array(values.tolist(), type=pa.string()).take(
        pa.array(rng.integers(0, len(values), n))
    )
