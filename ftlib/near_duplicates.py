"""Prompts that nearly repeat another: the same question asked again with a suffix ("(asked 2x, variant 12)"), a
word changed, other casing, punctuation or whitespace. Exact copies of a prompt (`prompt_groups.prompt_key`) are
grouped elsewhere; these are the variants that key misses, which a split would otherwise put on both sides, so the
held-out numbers would credit the model with answering "new" questions it in effect trained on.

    near_pairs(["How many legs does a spider have, and why?", ...])   # [(0, 3), ...]: verified pairs of texts
    near_groups(rows, prompt_groups(rows))      # those groups with nearly equal prompts' groups merged (union-find)
    near_warnings(train, test, split_groups(train, test))   # plain words: near-duplicates across or within the sides
    near_across(train, test)                    # [(train index, test index), ...]: a published test file's variants

The method is the field's standard near-duplicate search: MinHash signatures (Broder, "On the resemblance and
containment of documents", 1997) over character 5-gram shingles, locality-sensitive hashing by bands to find the
candidate pairs, as the deduplication of The Stack (BigCode) and Lee et al., "Deduplicating Training Data Makes
Language Models Better" (ACL 2022) do, and each candidate verified by the real Jaccard similarity of its shingle sets
(those pipelines skip that step; a split must not merge two questions on a hash's luck). numpy does the hashing;
`datasketch` is not installed and is not needed.

What counts as nearly the same (`same_question`), from the tests' table (tests/test_near_duplicates.py):
- texts are compared normalised: Unicode NFC, casefolded, every run of punctuation and whitespace one space; digits
  are kept, so "What is 12 times 7?" and "What is 13 times 7?" stay two questions below MIN_WORDS, and from MIN_WORDS
  on each number is shingled as one character (`whole_numbers`): 3 and 23 are two numbers, not one inside another;
- not: prompts whose numbers differ (`same_numbers`): numbers are content, so "What is 4 + 10?" and "What is 16 +
  10?", or a word problem with its numbers changed, are two problems with two answers (a GRPO file of 24 such
  prompts was grouped, helper 279); a number only added, or one in a bracketed tag after the question ("(asked 2x,
  variant 12)"), is a suffix;
- a prompt of MIN_WORDS words or more nearly repeats another when their 5-gram sets have a Jaccard similarity of
  JACCARD or more (a word changed in a 10-word question: 0.8 and more), or when the shorter's shingles are
  nearly all in the longer's (CONTAINED) and the Jaccard is still CONTAINED_JACCARD or more: a suffix or a prefix
  added to a 10-word question (0.71 for "(asked 2x, variant 12)"), not a question extended into another one;
- a shorter prompt only when its normalised text is the other's ("What is 2+2?" and "what is 2 + 2"): shingles of a
  few words cannot tell a variant from a question sharing a template ("What is the capital of France?" and "... of
  Peru?" share 0.66 of their 5-grams: a judgment, decided for two questions);
- a prompt's question is its last turn (`prompt_text`), compared only with questions asked under the same turns
  before it and tools (`prompt_context`): a system prompt shared by a file of short questions ("You are a pirate.
  Start with 'Ahoy!'" before "What is pi?", "What is DNA?": samples/pirate_prompts.jsonl) made them all alike;
- not: prompts of one template, where more than TEMPLATE_SET prompts (or 1% of them), or more than half of a small
  file's, are nearly alike: a long instruction with a short slot (a review to classify) makes each prompt nearly every
  other, as variants are; a question is asked again a few times, a template fills a file;
- not: a template with every number changed (a farmer's 12 cows and 7 more against 30 and 4: 0.72), a template with
  another subject (0.49), two 20-word questions sharing 5 words (0.13).
- not: a template whose slot holds another subject, however much text they share (`same_subject`): a word of one
  replaced by another word in the other ("Summarize the note below. Note 1: the team met about tides; ..." against
  "... about chess; ...": 0.76), unless what is replaced is numbers, words such as "does" and "is" (a rewording), or
  a word misspelt or inflected ("abuot", "compared": `_alike`). Words only added (a suffix) replace none. Checked
  before the template rule above, so a template's prompts fall apart into their few true variants.

Not known here: what a row's prompt is (prompt_groups.prompt_turns), how a split places the groups (splits).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable

import numpy as np

from ftlib.errors import plural
from ftlib.prompt_groups import SplitGroups, prompt_turns, split_groups

MIN_WORDS = 10  # shorter prompts are near-duplicates only when their normalised texts are equal
SHINGLE = 5  # characters per shingle
# Lee et al. 2022 and The Stack use 0.8 over documents; a prompt is short, so one edit moves more of its shingles:
# a 2-digit number changed in a 12-word question leaves 0.79, a template with every number changed 0.72 (the tests).
JACCARD = 0.75
CONTAINED, CONTAINED_JACCARD = 0.95, 0.6  # a suffix added: the shorter's shingles all in the longer's
BANDS, BAND_ROWS = 16, 4  # LSH: 64 hashes; a pair at Jaccard 0.6 is a candidate with p = 0.89, at 0.7 0.99
# A candidate whose signatures agree on less than this share is not verified: its Jaccard is below CONTAINED_JACCARD
# but for the estimate's noise (sd 0.06 at 64 hashes; a pair at 0.6 is missed 1 time in 20, at 0.7 1 in 4,000).
# On a file of prompts in a 15-word language (bench_near_duplicates) 0.4 left 123,000 pairs to verify, 0.5 12,000.
SIGNATURE_FLOOR = 0.5
NEIGHBOURS = 3  # in a crowded LSH bucket, each text is a candidate with the 3 before it in signature order
# Two replaced words this alike by difflib's ratio are one word misspelt or inflected: "abuot" and "about"
# 0.8, "compare" and "compared" 0.93, "hunt" and "hunting" 0.73; another subject: "kites" and "tides" 0.6, "tides" and
# "chess" 0.4. One letter of a short word changed ("cats", "bats": 0.75) reads as a typo.
TYPO = 0.7
# Words a rewording swaps without changing what is asked ("does" -> "is", "the" -> "a"); English only.
FUNCTION_WORDS = frozenset(
    "a an the this that these those it its is are was were be been being am do does did has have had having will "
    "would can could shall should may might must of to in on at by for with from as into onto about than then and "
    "or but nor if so not no how what which who whom whose why when where there here some any each every all".split()
)
TEMPLATE_SET = 20  # more texts than this (or than 1% of them) nearly alike are one template's prompts, not variants
_PUNCTUATION = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+")
_NUMERAL = re.compile(r"\d+(?:[.,]\d+)*")  # a number as written: 12, 3.5, 1,000 (`numbers`)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SIGN = re.compile(r"[-+*/×÷^=<>≤≥−]")
# A bracketed tag after a question's last sentence: "(asked 2x, variant 12)", "[v2]"; its numbers label a copy.
_TAG = re.compile(r"(?<=[.?!])(?:\s*[(\[][^()\[\]]*[)\]])+\s*$")


def turn_text(turn) -> str:
    """A turn's text: its content, or its content parts' text one after another ("" for none)."""
    content = turn.get("content") if isinstance(turn, dict) else turn
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return content if isinstance(content, str) else ""


def prompt_text(row: dict) -> str:
    """The question a row's prompt asks: the text of its last turn (`prompt_turns`: the turns before the answer); ""
    for a row with none (raw text), which nearly repeats nothing.

    >>> prompt_text({"prompt": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}], "chosen": []})
    'Hi'
    """
    turns = prompt_turns(row)
    return turn_text(turns[-1]) if turns else ""


def prompt_context(row: dict) -> str:
    """What a row's question is asked under, as `near_pairs` compares it: the turns before it (a system prompt, the
    conversation so far; normalised as `normalised`) and its tools. Two questions nearly alike are one only under
    the same context: a long system prompt shared by a file's short questions would make them all look alike, and
    prompt_key holds two tool sets apart. "" for a question asked alone.

    >>> system = {"role": "system", "content": "Be  brief."}
    >>> prompt_context({"messages": [system, {"role": "user", "content": "Hi"}, {"role": "assistant"}]})
    '[["system", "be brief"]]'
    """
    return _asked(prompt_turns(row)[:-1], row.get("tools"))


def _asked(turns: list, tools) -> str:
    """`prompt_context` of the turns before a question and its tools."""
    before = [[t.get("role") if isinstance(t, dict) else None, normalised(turn_text(t))] for t in turns]
    if not before and not tools:
        return ""
    return json.dumps(before + ([tools] if tools else []), sort_keys=True, ensure_ascii=False)


def _questions(rows: list[dict]) -> tuple[list[str], Callable[[int], str]]:
    """(`prompt_text` of each row, `prompt_context` of row i): each prompt's turns read once for its question; its
    context only where `near_pairs` asks (a question nearly another's): normalising every row's conversation so far
    took 2 s of 100,000 chat rows."""
    texts = []
    for row in rows:
        turns = prompt_turns(row)
        texts.append(turn_text(turns[-1]) if turns else "")
    return texts, lambda i: prompt_context(rows[i])


def normalised(text: str) -> str:
    """`text` as prompts are compared: NFC, casefolded, punctuation and whitespace runs one space, digits kept.

    >>> normalised("  What's 2+2?? ")
    'what s 2 2'
    """
    return _PUNCTUATION.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def whole_numbers(text: str) -> str:
    """`text` (normalised) with each number one character of its own (a private-use code point from its digits'
    CRC-32), as its shingles are taken: "3" and "23" share no character, so a number grown by a digit is a changed
    number, not the old one kept ("Tom has 3 apples and buys 4 more" against 23 and 44 shared "3 app" and "4 mor").

    >>> whole_numbers("has 3 apples") != whole_numbers("has 23 apples"), len(whole_numbers("year 1969"))
    (True, 6)
    """
    return _NUMBER.sub(lambda m: chr(0xF0000 + zlib.crc32(m[0].encode()) % 0xFFFE), text)


def _shingles(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(each text's 5-gram hashes, one after another, uint64; each text's start in them): every text given has at
    least SHINGLE characters. Hashed as a polynomial of the characters' code points, vectorised over all texts."""
    joined = "\x00".join(texts)  # a separator no normalised text holds: a shingle across two texts is dropped below
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - SHINGLE + 1
    hashes = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):  # uint64 arithmetic wraps: a hash, not a number
        hashes = hashes * np.uint64(1_000_003) + codes[k : k + n]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    separators = np.cumsum(codes == 0)  # a shingle holding a separator spans two texts: dropped
    keep = np.flatnonzero(separators[SHINGLE - 1 :] - np.concatenate(([0], separators[: n - 1])) == 0)
    offsets = np.concatenate(([0], np.cumsum(lengths - SHINGLE + 1)[:-1]))
    hashes = hashes[keep]
    hashes ^= hashes >> np.uint64(29)  # the high bits, which the last characters barely reach, mixed down
    return hashes, offsets


CHUNK_CHARS = 1 << 20  # texts hashed at most this many characters at a time: ~50 MB of arrays, whatever the file


def _chunks(texts: list[str]) -> list[list[str]]:
    """`texts` in runs of about CHUNK_CHARS characters, in order."""
    out, run, size = [], [], 0
    for text in texts:
        if run and size + len(text) > CHUNK_CHARS:
            out.append(run)
            run, size = [], 0
        run.append(text)
        size += len(text) + 1
    return [*out, run] if run else out


def _signatures(hashes: np.ndarray, offsets: np.ndarray, seed: int = 1) -> np.ndarray:
    """MinHash signatures, [texts, BANDS * BAND_ROWS] uint32: per hash function (multiply-shift: the high 32 bits of
    a*x + b in 64-bit arithmetic, a odd) over the shingles' hashes, each text's minimum (Broder 1997)."""
    rng = np.random.default_rng(seed)
    k = BANDS * BAND_ROWS
    a = rng.integers(0, 1 << 63, size=k, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 63, size=k, dtype=np.uint64)
    out = np.empty((len(offsets), k), dtype=np.uint32)
    scratch = np.empty_like(hashes)  # one buffer for every function's values: no 30 MB array made per function
    for i in range(k):
        # uint64 arithmetic wraps: that is the multiply-shift hash, no modulo needed
        np.multiply(hashes, a[i], out=scratch)
        np.add(scratch, b[i], out=scratch)
        np.right_shift(scratch, np.uint64(32), out=scratch)
        out[:, i] = np.minimum.reduceat(scratch, offsets)
    return out


def _candidates(signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j, two int64 arrays) of texts whose signatures agree on every row of some band (LSH banding), and
    on at least SIGNATURE_FLOOR of all their hashes (an estimate of their Jaccard). Within a band's bucket of many
    texts, each is paired with the bucket's first and the NEIGHBOURS before it in an order that puts like signatures
    together, not with all (a file of one-template prompts would make that quadratic): the verified pairs are merged
    transitively (`near_groups`)."""
    n = len(signatures)
    kept = [np.zeros(0, dtype=np.int64)]  # each band's pairs that pass the floor, as codes low * n + high
    positions = np.arange(n)
    swapped = signatures.byteswap()  # big-endian bytes: a row's bytes sort as its hashes do
    for band in range(BANDS):
        # Sorted by the band's hashes, then by the rest: a bucket's texts that agree on more hashes (a question and
        # its variants, in a bucket crowded by texts of one template) end up next to each other.
        rolled = np.roll(swapped, -band * BAND_ROWS, axis=1)  # this band's hashes first (a contiguous copy)
        order = np.argsort(rolled.view(np.dtype((np.void, rolled.shape[1] * rolled.itemsize))).ravel(), kind="stable")
        band_keys = rolled[order, :BAND_ROWS]
        same = (band_keys[1:] == band_keys[:-1]).all(axis=1)  # neighbours in sorted order within one bucket
        if not same.any():
            continue
        head = order[np.maximum.accumulate(np.where(np.concatenate(([True], ~same)), positions, 0))]
        lefts, rights = [head[1:][same]], [order[1:][same]]
        bucket = np.concatenate(([0], np.cumsum(~same)))  # each sorted text's bucket
        for back in range(1, NEIGHBOURS + 1):  # and with the few before it in that order
            near = bucket[back:] == bucket[:-back]
            lefts.append(order[:-back][near])
            rights.append(order[back:][near])
        left, right = np.concatenate(lefts), np.concatenate(rights)
        # Filtered band by band: a file's candidates at once took 170 MB of 100,000 chat rows' (bench_data_page).
        for at in range(0, len(left), 16_384):  # [pairs, 64] compared a slice at a time: bounded memory
            a, b = left[at : at + 16_384], right[at : at + 16_384]
            agree = (signatures[a] == signatures[b]).mean(axis=1) >= SIGNATURE_FLOOR
            a, b = a[agree], b[agree]
            kept.append(np.minimum(a, b) * n + np.maximum(a, b))
    codes = np.unique(np.concatenate(kept))  # each pair once
    codes = codes[codes // n != codes % n]  # a text is never its own candidate; kept for safety
    return codes // n, codes % n


def same_question(a: set, b: set) -> bool:
    """Whether two prompts' shingle sets (MIN_WORDS words or more) are one question's: Jaccard >= JACCARD, or the
    smaller nearly all in the larger (>= CONTAINED) with Jaccard >= CONTAINED_JACCARD (a suffix added).

    >>> same_question({1, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 6}), same_question({1, 2, 3}, {1, 2, 3, 4, 5, 6})
    (True, False)
    """
    return _shared_enough(len(a & b), len(a), len(b))


def _shared_enough(both: int, a: int, b: int) -> bool:
    """`same_question` of two shingle sets of sizes `a` and `b` that share `both`."""
    jaccard = both / (a + b - both) if a or b else 1.0
    return jaccard >= JACCARD or (jaccard >= CONTAINED_JACCARD and both >= CONTAINED * min(a, b))


def same_subject(a: str, b: str) -> bool:
    """Whether two normalised prompts (`normalised`) ask about the same things, word for word: False when a word of
    one is replaced by another word in the other, as a template's slot filled with another subject is ("the team met
    about tides" / "... chess"): each holds a word, not a number (nor an id such as "2x"), not one of FUNCTION_WORDS
    (a rewording: "does" -> "is"), that the other lacks and has nothing like (difflib's ratio TYPO or a shared stem,
    `_alike`: a word misspelt or inflected is the same word). Words only added (a suffix, a prefix) are not a word
    replaced. The words are compared as multisets, wherever they stand: a word moved is the same word, and a word
    taken out at the start and another added at the end is a word replaced.

    >>> same_subject("summarize the note the team met about tides", "summarize the note the team met about chess")
    False
    >>> same_subject("how does a tide rise", normalised("How is a tide rising? (asked 2x, variant 12)"))
    True
    """
    x, y = Counter(a.split()), Counter(b.split())
    gone = [w for w in x - y if _subject_word(w)]
    new = [w for w in y - x if _subject_word(w)]
    # any() stops at the first word with nothing like it: a subject changed costs len(gone) + len(new) comparisons
    return not (
        gone
        and new
        and any(not any(_alike(w, v) for v in new) for w in gone)
        and any(not any(_alike(v, w) for w in gone) for v in new)
    )


@functools.lru_cache(maxsize=4096)  # a file's words recur (a template's slot, a language's words)
def _alike(a: str, b: str) -> bool:
    """Whether two words are one misspelt or inflected: difflib's ratio >= TYPO, or a shared stem of 3 letters or
    more that is all but 2 of the shorter (difflib gives "rise" and "rising" 0.6, "make" and "making" too)."""
    shorter = min(len(a), len(b))
    stem = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), shorter)
    if stem >= max(3, shorter - 2):
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= TYPO and matcher.ratio() >= TYPO


def _subject_word(word: str) -> bool:
    """Whether a normalised word could be what a prompt is about: not a number (nor an id such as "2x" or "q12"), not
    one of FUNCTION_WORDS."""
    return word not in FUNCTION_WORDS and not any(c.isdigit() for c in word)


def numbers(text: str) -> list[str]:
    """The numbers a prompt's question asks about, in order, each as one value ("1,000" is 1000, "2.50" is 2.5), less
    those of a bracketed tag after its last sentence ("... insect? (asked 2x, variant 12)": a copy's label, not the
    question). Numbers are content: "What is 4 + 10?" and "What is 16 + 10?" are two problems, with two answers.

    >>> numbers("Tom pays $1,000.50 for 3 bikes. How many? (asked 2x, variant 12)")
    ['1000.5', '3']
    """
    return [_value(m) for m in _NUMERAL.findall(_TAG.sub("", unicodedata.normalize("NFC", text)))]


def _value(numeral: str) -> str:
    """A number as written ("1,000.50") as its value is written ("1000.5"); a version or a date ("1.2.3") as it is."""
    if _THOUSANDS.fullmatch(numeral):
        numeral = numeral.replace(",", "")
    return numeral.rstrip("0").rstrip(".") if numeral.count(".") == 1 else numeral  # 2.50 and 2.5: one value


def same_numbers(a: str, b: str) -> bool:
    """Whether two prompts ask about the same numbers (`numbers`): equal, or one's opening or closing the other's (a
    number only added before or after them, as a suffix adds words). False for a number replaced, two swapped or one
    inserted among them ("4 apples and 10 pears", "4 apples, 3 bananas and 10 pears"): another problem.

    >>> same_numbers("What is 4 + 10?", "what is 4+10"), same_numbers("What is 4 + 10?", "What is 16 + 10?")
    (True, False)
    """
    if math_signs(a) != math_signs(b):  # "4 + 10" and "4 - 10": the numbers alike, the problem not
        return False
    x, y = numbers(a), numbers(b)
    shorter, longer = (x, y) if len(x) <= len(y) else (y, x)
    return longer[: len(shorter)] == shorter or longer[len(longer) - len(shorter) :] == shorter


def math_signs(text: str) -> list[str]:
    """The arithmetic signs beside a question's numbers, in order, less a tag's (as `numbers`): normalising drops
    punctuation, so without them "What is 4 + 10?" and "What is 4 - 10?" were one question. Not a hyphen in a word.

    >>> math_signs("Solve 2x + 3 = -7. A 3-year-old asks (asked 2x)"), math_signs("What is 4 * (10 / 2)?")
    (['+', '=', '-'], ['*', '/'])
    """
    text = _TAG.sub("", unicodedata.normalize("NFC", text))
    signs = []
    for match in _SIGN.finditer(text):
        before, after = text[: match.start()].rstrip()[-1:], text[match.end() :].lstrip()[:1]
        word = match[0] in "-−" and after.isalpha()  # "3-year-old"
        if after.isdigit() or after == "(" or (before.isdigit() or before == ")") and not word:
            signs.append(match[0])
    return signs


def near_pairs(texts: list[str], contexts: list[str] | Callable[[int], str] | None = None) -> list[tuple[int, int]]:
    """Verified pairs (i < j) of `texts` that are nearly one question (`same_question` and `same_subject`; texts
    under MIN_WORDS words when their normalised texts are equal), sorted, less one template's (`_without_templates`).
    Empty texts pair with nothing. `contexts`: what each text is asked under (`prompt_context`), a list or a function
    of the text's index (read only for texts nearly another); texts are only paired with those of an equal one.

    >>> q = "How many legs does a spider have and how does that compare with an insect?"
    >>> near_pairs([q, "What is the capital of France?", q.upper() + " (asked 2x, variant 12)", "what is the capital"])
    [(0, 2)]
    """
    known: dict[int, str] = {}

    def context(i: int) -> str:  # each text's context once, and only where it is asked
        if contexts is None:
            return ""
        if i not in known:
            known[i] = contexts[i] if isinstance(contexts, list) else contexts(i)
        return known[i]

    pairs: set[tuple[int, int]] = set()
    short: dict[str, list[int]] = {}  # a short question's normalised text -> the texts that are it
    long_ids, long_texts = [], []
    for i, text in enumerate(texts):
        norm = normalised(text)
        if not norm:
            continue
        if len(norm.split()) < MIN_WORDS or len(norm) < SHINGLE:
            short.setdefault(norm, []).append(i)
        else:
            long_ids.append(i)
            long_texts.append(whole_numbers(normalised(_NUMERAL.sub(lambda m: _value(m[0]), text))))
    for same in short.values():  # each paired with the first asked under its context
        if len(same) > 1:
            firsts: dict[str, int] = {}
            for i in same:  # "3.5" and "3 5" normalise alike: the numbers, as written, must be one's too
                numbers_key = " ".join(numbers(texts[i]) + math_signs(texts[i]))
                if (j := firsts.setdefault(context(i) + "\x00" + numbers_key, i)) != i:
                    pairs.add((j, i))
    if len(long_texts) > 1:
        signatures = np.concatenate([_signatures(*_shingles(part)) for part in _chunks(long_texts)])
        left, right = _candidates(signatures)
        # The shingles again, of the candidates' texts only: every text's at once took 8 bytes a character, twice.
        # Each kept as a sorted array, not a Python set: a set holds ~60 bytes a shingle, and in a file of one
        # template's long prompts every text is a candidate (20,000 prompts of 1,000 characters peaked at 1.2 GB).
        # Hashed a chunk at a time too: the candidates' texts at once held ~50 bytes a character of arrays.
        needed = sorted(set(left.tolist()) | set(right.tolist()))
        sets: dict[int, np.ndarray] = {}  # each candidate's shingle hashes, sorted, each once
        for part in _chunks([long_texts[i] for i in needed]):
            hashes, offsets = _shingles(part)
            ends = np.append(offsets, len(hashes)).tolist()
            for k, i in enumerate(needed[len(sets) : len(sets) + len(part)]):
                sets[i] = np.unique(hashes[ends[k] : ends[k + 1]])
        normal: dict[int, str] = {}

        # A text normalised again, once, only where its shingles nearly match another's: keeping every text's from
        # the first pass would hold the file's prompts twice.
        def norms(i: int) -> str:
            if i not in normal:
                normal[i] = normalised(texts[long_ids[i]])
            return normal[i]

        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            a, b = long_ids[i], long_ids[j]
            both = len(np.intersect1d(sets[i], sets[j], assume_unique=True))
            if (
                _shared_enough(both, len(sets[i]), len(sets[j]))
                and context(a) == context(b)
                and same_numbers(texts[a], texts[b])  # a number replaced is another problem
                and same_subject(norms(i), norms(j))  # last: words compared only for pairs this alike
            ):
                pairs.add((a, b))
    return _without_templates(sorted(pairs), len(texts))


def _without_templates(pairs: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """`pairs` of `n` texts, less those of a set of more than max(TEMPLATE_SET, n / 100) texts nearly alike, or of
    more than half of them (at least 3): a long instruction with a short slot ("Classify the sentiment of this review
    as positive or negative. Review: ...") makes every prompt of a file nearly every other, as a question and its
    variants are; a question is asked again a few times, a template fills a file."""
    if not pairs:
        return pairs
    roots = _roots(n, pairs)
    sizes = Counter(roots)
    # Half a file: a small file of one template (20 prompts) was one set, which no split can keep on one side, and
    # each split warned that its held-out prompts reworded training ones (a newcomer's walk).
    limit = min(max(TEMPLATE_SET, n // 100), max(3, n // 2))
    return [(i, j) for i, j in pairs if sizes[roots[i]] <= limit]


def _roots(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    """Each of `n` items' component (union-find over `pairs`): the smallest item in it."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving
            i = parent[i]
        return i

    for i, j in pairs:
        a, b = find(i), find(j)
        parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(n)]


def near_groups(rows: list[dict], groups: list[list[int]]) -> list[list[int]]:
    """`groups` (`prompt_groups(rows)`: each prompt's rows, in order of first appearance) with the groups whose prompts
    nearly repeat one another (`near_pairs` of each group's first row's `prompt_text`) merged, transitively, in order
    of first appearance, each merged group's rows in order. `groups` itself where nothing merges: a file without
    near-duplicates is split as it always was (splits.split_rows).

    >>> q = lambda text: {"prompt": [{"role": "user", "content": text}]}
    >>> ask = "Why does the moon look larger near the horizon than high in the sky?"
    >>> rows = [q(ask), q("Hi"), q(ask + " (asked 2x, variant 12)"), q("Hi")]
    >>> near_groups(rows, [[0], [1, 3], [2]])
    [[0, 2], [1, 3]]
    """
    firsts = [rows[g[0]] for g in groups]
    pairs = near_pairs(*_questions(firsts))
    if not pairs:
        return groups
    merged: dict[int, list[int]] = {}
    for group, root in zip(groups, _roots(len(groups), pairs), strict=True):
        merged.setdefault(root, []).extend(group)
    return [sorted(g) if len(g) > len(groups[root]) else g for root, g in merged.items()]


def quoted(row: dict) -> str:
    """A prompt's text as a warning quotes it: its last 60 characters at most (a variant's suffix is at its end),
    from a word's start (a cold walk, helper 245: '"...ert the given amount of kilometres to miles. 3 kilometres"').

    >>> quoted({"prompt": "Please convert the given amount of kilometres to miles, rounded. 3 kilometres"})
    '"...amount of kilometres to miles, rounded. 3 kilometres"'
    """
    text = " ".join(prompt_text(row).split())
    if len(text) <= 60:
        return '"' + text + '"'
    tail = text[-57:]
    if text[-58] != " " and " " in tail[:20]:  # cut mid-word: start at the next word
        tail = tail[tail.index(" ") + 1 :]
    return '"...' + tail + '"'


def quoted_pair(row: dict, other: dict) -> tuple[str, str]:
    """Two nearly equal prompts as a warning quotes them: each by `quoted` (its end), unless those read alike, then
    each from a little before where they first differ, so the quotes show what differs. A cold walk (helper 89):
    word problems that differ in a name and a number at their start were quoted as two equal tails.

    >>> a, b = (f"{w} shares 102 apples equally among 6 friends. How many does each friend get?" for w in "AB")
    >>> for said in quoted_pair({"prompt": a}, {"prompt": b}):
    ...     print(said)
    "A shares 102 apples equally among 6 friends. How many doe..."
    "B shares 102 apples equally among 6 friends. How many doe..."
    """
    first, second = quoted(row), quoted(other)
    if first != second:
        return first, second
    texts = [" ".join(prompt_text(r).split()) for r in (row, other)]
    at = next((i for i, (x, y) in enumerate(zip(*texts, strict=False)) if x != y), min(map(len, texts)))
    start = max(0, at - 20)

    def window(text: str) -> str:
        shown = text[start : start + 57]
        return '"' + ("..." if start else "") + shown + ("..." if start + 57 < len(text) else "") + '"'

    return window(texts[0]), window(texts[1])


def _across(both: list[list[int]], pairs: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """(a training row, a held-out row) for each held-out prompt group of `both` (a split's groups, its first `n`
    rows training rows) that nearly repeats a training prompt group (`pairs` of groups), by their first rows."""
    matched: dict[int, int] = {}
    for i, j in pairs:
        if (both[i][0] < n) != (both[j][0] < n):
            trained, held = (i, j) if both[i][0] < n else (j, i)
            matched.setdefault(held, trained)
    return sorted((both[t][0], both[h][0]) for h, t in matched.items())


def near_across(train: list[dict], test: list[dict]) -> list[tuple[int, int]]:
    """(index in `train`, index in `test`) for each test prompt that nearly repeats a training prompt (the first
    row of each; exact copies of a prompt are not near-duplicates: prompt_key says those), in test order.

    >>> q = lambda text: {"prompt": [{"role": "user", "content": text}]}
    >>> ask = "Why does the moon look larger near the horizon than high in the sky?"
    >>> near_across([q("Hi"), q(ask)], [q("Bye"), q(ask + " (asked 2x)")])
    [(1, 1)]
    """
    groups = split_groups(train, test)
    pairs = near_pairs(*_questions([groups.rows[g[0]] for g in groups.both]))
    found = _across(groups.both, pairs, len(train))
    return sorted(((t, h - len(train)) for t, h in found), key=lambda pair: pair[1])


def near_warnings(train: list[dict], test: list[dict], groups: SplitGroups) -> list[str]:
    """Plain words on prompts that nearly repeat another across a split (held-out prompts that are a training prompt
    reworded: a warning with the fix), or, where none is across, the near-duplicate prompts the split kept on one
    side (as `split_rows` does); [] for none. Rows are named by their place in their part ("held-out row 3"), as
    split_lines' notes turn into the file's lines. Exact copies of a prompt are `prompt_warnings`' (one group here).

    >>> q = lambda text: {"prompt": [{"role": "user", "content": text}]}
    >>> ask = "Why does the moon look larger near the horizon than high in the sky?"
    >>> from ftlib.prompt_groups import split_groups
    >>> train, test = [q(ask), q("Hi")], [q(ask.upper())]
    >>> near_warnings(train, test, split_groups(train, test))[0][:53]
    '1 held-out prompt nearly repeats a training prompt (h'
    """
    both, n = groups.both, len(train)
    pairs = near_pairs(*_questions([groups.rows[g[0]] for g in both]))
    if not pairs:
        return []
    across = _across(both, pairs, n)
    if across:
        trained, held = across[0]
        said = quoted_pair(groups.rows[held], groups.rows[trained])
        return [
            f"{plural(len(across), 'held-out prompt')} {'nearly repeats' if len(across) == 1 else 'nearly repeat'} a "
            f"training prompt (held-out row {held - n + 1}, {said[0]}, and training row "
            f"{trained + 1}, {said[1]}): the same question reworded, with a suffix, a word, "
            "casing or punctuation changed, so the held-out loss and Evaluate would score answers to questions the "
            "model trained on. Remove the variants from the file, or split it here (the Data page's split, `data "
            "split`): it keeps nearly equal prompts on one side."
        ]
    roots = _roots(len(both), pairs)
    sets = len({roots[i] for i, _ in pairs})
    first, other = both[pairs[0][0]][0], both[pairs[0][1]][0]
    where = [f"held-out row {r - n + 1}" if r >= n else f"training row {r + 1}" for r in (first, other)]
    said = quoted_pair(groups.rows[first], groups.rows[other])
    return [
        f"{plural(sets, 'set')} of prompts nearly repeat one another ({where[0]}, {said[0]}, and "
        f"{where[1]}, {said[1]}): each set is kept on one side of the split, as a prompt's copies "
        "are, so no held-out prompt is a training prompt reworded."
    ]
