"""Helper 286's review of the newest commits: each test fails without its fix."""

from __future__ import annotations


def test_a_number_inserted_among_a_problems_numbers_makes_another_problem():
    """Review of 461490e2: numbers are content, but one prompt's numbers found anywhere in order among the other's
    counted as 'a number only added', so a word problem with an item and its count inserted mid-question (another
    sum) was grouped with the first as one question reworded. Added before or after them, it still is a suffix."""
    from ftlib.near_duplicates import near_pairs, same_numbers

    two = "Tom has 4 apples and 10 pears in his big basket at the market today. How many fruits does he have?"
    three = two.replace("4 apples and", "4 apples, 3 bananas and")
    assert near_pairs([two, three]) == []
    assert not same_numbers(two, three)
    assert same_numbers(two, two + " Answer in 2 sentences.") and same_numbers(two, "Question 7: " + two)


def test_a_nan_weights_reason_names_the_mask_policy_flag_beside_the_pages_label():
    """Review of 6641fe05: the NaN weight's reason said the turn 'is trained as What is trained says', a Train page
    label a command-line user cannot find; like the other weight reasons it now names `--mask-policy` beside it."""
    from ftlib.data import load_bytes

    row = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey", "weight": NaN}]}'
    result = load_bytes(row + b"\n" + row + b"\n", "chats.jsonl")
    said = [n.message for n in result.notices if "NaN" in n.message]
    assert len(said) == 1, [n.message for n in result.notices]
    assert "trained as What is trained (`--mask-policy`) says, not as its weight meant" in said[0], said[0]
