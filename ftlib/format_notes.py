"""How a file's fields were read where that is not the obvious reading: said once per file in its report (data.py
adds the number of rows). Each note names the field and what was done with it.

Not known here: reading the fields (formats.py).
"""

# Said once per file and field when a cell held a list written by Python (data.py adds the number of rows).
PYTHON_CELL_NOTE = (
    "`{field}` holds lists written by Python, not JSON (single quotes, as pandas' `to_csv` writes a column of lists): "
    "read as those lists, keys holding None left out (a DataFrame read from Parquet gives them to objects that never "
    "had them). To keep lists as lists, save the file as JSONL "
    '(`df.to_json(path, orient="records", lines=True)`) or Parquet (`df.to_parquet(path)`).'
)
DEVELOPER_NOTE = (
    "`{field}` has a `developer` turn (OpenAI's newer name of the system message): read as the system turn."
)

# How a file's transcripts were read, said once per file (data.py adds the number of rows).
TRANSCRIPT_NOTE = (
    "`chosen` and `rejected` are whole Human/Assistant transcripts (as in Anthropic's HH-RLHF): each is read as "
    "turns (Human: as the user, Assistant: as the assistant); the turns before the last answer are the prompt, and "
    "that last answer is the chosen or the rejected one."
)
PROMPT_TRANSCRIPT_NOTE = (
    "`{field}` is a Human/Assistant transcript: read as turns (Human: the user, Assistant: the assistant)."
)
SHARED_TEXT_NOTE = (
    "`chosen` and `rejected` are whole texts with no prompt beside them: the text both begin with is read as the "
    "prompt and the rest of each as its answer (as TRL's extract_prompt does). Where they part inside a word, the "
    "prompt ends before it and the word's shared start belongs to both answers (tokens both answers share cancel "
    "out in DPO's comparison). Add a 'prompt' field to say where the prompt ends."
)

__all__ = ["DEVELOPER_NOTE", "PROMPT_TRANSCRIPT_NOTE", "PYTHON_CELL_NOTE", "SHARED_TEXT_NOTE", "TRANSCRIPT_NOTE"]
