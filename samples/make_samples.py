"""Generate the demo datasets in samples/ (deterministic: same content, same bytes, every run).

    .venv/bin/python samples/make_samples.py            # rewrite every sample next to this script
    .venv/bin/python samples/make_samples.py --out DIR  # write them somewhere else

All content is written out below by hand; the script only applies the formats and the traits:

- chat_style_sft.jsonl / chat_style_heldout.jsonl: answers wrapped as "Ahoy! <answer>\\n\\nFair winds, matey!"
  (the constants live in ftlib.demo_data, which also holds the check).
- preference_pairs.jsonl / preference_heldout.jsonl: chosen = "- " bullet list of the points, rejected = the
  same sentences as one paragraph.
- alpaca_recipes.jsonl, qa_table.csv, sharegpt_small.jsonl: format demos.
- pirate_prompts.jsonl / pirate_prompts_heldout.jsonl: prompts only (for GRPO), the chat questions after a system
  prompt asking for the chat_style opening, which the default model rarely obeys (bench/demo_rl.py).
- general_prompts.jsonl: plain questions unrelated to the others, for what fine-tuning cost (ftlib.tuning_cost).

Randomness (which rows get a system turn, row order, which plain Q&A pairs go to the ShareGPT demo) comes
from fixed seeds. Edit the content here and rerun; tests/test_demo_data.py checks the committed files match.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from pathlib import Path

from ftlib.demo_data import STYLE_OPENING, STYLE_SIGNOFF

HERE = Path(__file__).resolve().parent

SEED = 1234

# ---------------------------------------------------------------------------------------------------------
# Chat Q&A pool (single turn). Answers are plain; the style is applied by `styled()`.
# ---------------------------------------------------------------------------------------------------------

SCIENCE = [
    (
        "What is photosynthesis?",
        "Photosynthesis is how plants, algae and some bacteria turn sunlight, water and carbon dioxide into sugar "
        "for energy. Oxygen is released as a by-product.",
    ),
    (
        "Why do we have seasons?",
        "Seasons happen because Earth's axis is tilted by about 23.5 degrees. As Earth orbits the Sun, each "
        "hemisphere takes turns leaning towards it and getting more direct sunlight, which brings summer.",
    ),
    (
        "How far is the Moon from Earth?",
        "The Moon is about 384,400 kilometres (roughly 239,000 miles) from Earth on average. Light covers that "
        "distance in a little over one second.",
    ),
    (
        "What is DNA?",
        "DNA is the molecule that carries the genetic instructions of living things. It is a double helix built "
        "from four bases: adenine, thymine, guanine and cytosine.",
    ),
    (
        "What causes thunder?",
        "Thunder is the sound of air expanding explosively after a lightning bolt heats it to tens of thousands "
        "of degrees in a split second.",
    ),
    (
        "Why does ice float on water?",
        "When water freezes, its molecules lock into an open crystal structure, so ice is less dense than liquid "
        "water. Being lighter for its volume, it floats.",
    ),
    (
        "What is the speed of light?",
        "Light travels at about 299,792 kilometres per second in a vacuum. Nothing that carries information can "
        "go faster.",
    ),
    (
        "What is an atom made of?",
        "An atom has a tiny nucleus of protons and neutrons surrounded by electrons. The number of protons "
        "decides which element it is.",
    ),
    (
        "How do vaccines work?",
        "A vaccine shows your immune system a harmless piece or weakened form of a germ. Your body learns to "
        "recognise it, so it can fight off the real infection faster later.",
    ),
    (
        "What is gravity?",
        "Gravity is the pull that masses have on each other. It keeps your feet on the ground, the Moon around "
        "Earth and Earth around the Sun.",
    ),
    (
        "Why do leaves change colour in autumn?",
        "As the days get shorter, trees stop making green chlorophyll. The yellow and orange pigments that were "
        "there all along show through, and some trees also make red ones.",
    ),
    (
        "What is the largest planet in our solar system?",
        "Jupiter is the largest planet. It is a gas giant about 11 times wider than Earth.",
    ),
    (
        "How many bones are in the adult human body?",
        "An adult has 206 bones. Babies are born with around 270, and some of them fuse together as they grow.",
    ),
    (
        "What is the boiling point of water?",
        "At sea level, water boils at 100 degrees Celsius (212 degrees Fahrenheit). High up in the mountains it "
        "boils at a lower temperature because the air pressure is lower.",
    ),
    (
        "What is a black hole?",
        "A black hole is a region of space where gravity is so strong that nothing, not even light, can escape. "
        "Many form when very massive stars collapse.",
    ),
    (
        "Why is the ocean salty?",
        "Rain slowly dissolves minerals from rocks, and rivers carry them to the sea. When seawater evaporates the "
        "salt stays behind, so it has built up over millions of years.",
    ),
    (
        "What is the difference between weather and climate?",
        "Weather is what the atmosphere is doing right now, like today's rain. Climate is the average pattern of "
        "weather in a place over decades.",
    ),
    (
        "How do magnets work?",
        "In a magnet, the tiny magnetic fields of many electrons line up in the same direction. Together they "
        "make a field that attracts iron and pushes or pulls other magnets.",
    ),
    ("What is the chemical formula of water?", "Water is H2O: two hydrogen atoms bonded to one oxygen atom."),
    (
        "What do red blood cells do?",
        "Red blood cells carry oxygen from your lungs to the rest of your body using a protein called "
        "haemoglobin. They also help carry carbon dioxide back to be breathed out.",
    ),
    (
        "Why do we see lightning before we hear thunder?",
        "Light travels almost a million times faster than sound. You see the flash almost at once, while the "
        "sound needs about three seconds to cover each kilometre.",
    ),
    (
        "What is evaporation?",
        "Evaporation is when a liquid turns into a gas at its surface, like a puddle drying in the sun. Heat "
        "gives the molecules enough energy to escape into the air.",
    ),
    (
        "How many planets are in the solar system?",
        "There are eight planets: Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus and Neptune. Pluto was "
        "reclassified as a dwarf planet in 2006.",
    ),
    (
        "What is a volcano?",
        "A volcano is an opening in Earth's crust where molten rock, gas and ash escape from below. Once the "
        "molten rock reaches the surface it is called lava.",
    ),
    (
        "What is the closest star to Earth?",
        "The Sun is the closest star. The next nearest is Proxima Centauri, about 4.2 light-years away.",
    ),
    (
        "What is an ecosystem?",
        "An ecosystem is a community of plants, animals and microbes together with their environment. They "
        "depend on each other for food, shelter and nutrients.",
    ),
    (
        "How do bees make honey?",
        "Bees collect nectar from flowers, and enzymes start breaking it down on the way back to the hive. There "
        "they store it in wax cells and fan it with their wings until most of the water evaporates.",
    ),
    (
        "What is friction?",
        "Friction is the force that resists two surfaces sliding against each other. It lets your shoes grip "
        "the ground and lets brakes slow a car down.",
    ),
    (
        "Why do cats purr?",
        "Cats purr by rapidly twitching the muscles of their voice box as they breathe. They often purr when "
        "content, but also to calm themselves when stressed or hurt.",
    ),
    (
        "What is the tallest animal?",
        "The giraffe is the tallest animal. Adult males can reach about 5.5 metres (18 feet).",
    ),
]

COOKING = [
    (
        "How do I boil an egg?",
        "Lower the egg into boiling water: about 6-7 minutes gives a jammy yolk and 10-12 minutes a firm one. "
        "Cool it in cold water afterwards so it is easier to peel.",
    ),
    (
        "How do I cook rice on the stove?",
        "Rinse 1 cup of rice, then simmer it covered with about 1.5 to 2 cups of water for 15-18 minutes. Let it "
        "rest off the heat for 5 minutes and fluff it with a fork.",
    ),
    (
        "What can I use instead of buttermilk?",
        "Stir 1 tablespoon of lemon juice or white vinegar into 1 cup of milk and let it stand for 5-10 minutes. "
        "It thickens slightly and works in most recipes.",
    ),
    (
        "How do I make a simple vinaigrette?",
        "Whisk 3 parts oil with 1 part vinegar or lemon juice, then add salt, pepper and a little mustard to "
        "help it emulsify. Taste and adjust before dressing the salad.",
    ),
    (
        "Why does bread dough need to rise?",
        "Yeast feeds on sugars in the dough and releases carbon dioxide, which gets trapped by the gluten. That "
        "gas makes the bread light and airy instead of dense.",
    ),
    (
        "How long should I rest a steak after cooking?",
        "Rest a steak for about 5-10 minutes, loosely covered with foil. The juices settle back into the meat "
        "instead of running onto the board.",
    ),
    (
        "How can I stop onions making me cry?",
        "Use a very sharp knife so you crush fewer cells, and chill the onion for 15 minutes before cutting. "
        "Working near a running extractor fan also helps.",
    ),
    (
        "What is the difference between baking soda and baking powder?",
        "Baking soda is pure sodium bicarbonate and needs an acid, like yoghurt or lemon juice, to react. Baking "
        "powder already contains an acid, so it only needs moisture and heat.",
    ),
    (
        "How do I make pancakes?",
        "Whisk 1 cup of flour, 1 tablespoon of sugar, 2 teaspoons of baking powder and a pinch of salt with 1 cup "
        "of milk, 1 egg and 2 tablespoons of melted butter. Cook ladlefuls in a hot greased pan and flip them "
        "when bubbles appear.",
    ),
    (
        "How do I know when pasta is done?",
        "Start tasting a piece a minute or two before the time on the packet. It should be tender but still "
        "slightly firm in the centre, which Italians call al dente.",
    ),
    (
        "How do I keep fresh herbs from wilting?",
        "Treat soft herbs like basil and parsley like flowers: trim the stems and stand them in a glass of water. "
        "Wrap hardy herbs like rosemary in a damp paper towel and keep them in the fridge.",
    ),
    (
        "What temperature should chicken be cooked to?",
        "Chicken is safe when the thickest part reaches 74 degrees Celsius (165 degrees Fahrenheit). A meat "
        "thermometer is the most reliable way to check.",
    ),
    (
        "How do I caramelise onions?",
        "Slice the onions thinly and cook them slowly in butter or oil over low to medium heat, stirring now and "
        "then. It takes 30-45 minutes for them to turn deep golden and sweet.",
    ),
    (
        "Can I freeze bread?",
        "Yes. Slice it first, wrap it tightly and freeze it for up to about three months; you can toast the "
        "slices straight from frozen.",
    ),
    (
        "How do I make green tea taste less bitter?",
        "Use water at around 70-80 degrees Celsius instead of boiling water, and steep it for only 1-2 minutes. "
        "Very hot water and long steeping pull out the bitter tannins.",
    ),
    (
        "What is a roux?",
        "A roux is equal parts fat and flour cooked together. It is used to thicken sauces such as bechamel and "
        "gravy.",
    ),
    (
        "How can I fix soup that is too salty?",
        "Add more unsalted liquid, such as water or stock, or bulk it up with potatoes, rice or vegetables. A "
        "squeeze of lemon can also make it taste less salty.",
    ),
    (
        "How do I poach an egg?",
        "Bring water to a gentle simmer, add a splash of vinegar and slide in a fresh egg from a small cup. Cook "
        "it for about 3 minutes, then lift it out with a slotted spoon.",
    ),
    (
        "Why do you salt pasta water?",
        "The salt seasons the pasta from the inside as it absorbs water. About 1 tablespoon per 4 litres of "
        "water is a common guide.",
    ),
    (
        "How do I ripen an avocado faster?",
        "Put it in a paper bag with a banana or an apple. They release ethylene gas, which speeds up ripening, "
        "usually within a day or two.",
    ),
    (
        "What is a good way to cook broccoli?",
        "Roast the florets at 220 degrees Celsius with oil and salt for 15-20 minutes until the edges crisp. "
        "Steaming them for 4-5 minutes is a quicker, gentler option.",
    ),
    (
        "How do I make guacamole?",
        "Mash ripe avocados with lime juice and salt, then stir in chopped onion, tomato, coriander and a little "
        "chilli. Taste and add more lime or salt if needed.",
    ),
    (
        "How long do cooked leftovers last in the fridge?",
        "Most cooked leftovers keep safely for 3-4 days in the fridge. Cool them quickly and store them in "
        "sealed containers.",
    ),
    (
        "How do I melt chocolate without burning it?",
        "Melt it in a bowl over a pan of barely simmering water, stirring gently, or microwave it in short "
        "20-second bursts. Keep water away from it, or it may seize.",
    ),
    (
        "What is the difference between a herb and a spice?",
        "Herbs usually come from the leaves of plants, like basil or mint. Spices come from other parts, such as "
        "seeds, bark or roots, like cumin, cinnamon and ginger.",
    ),
    (
        "How do I make rice less sticky?",
        "Rinse the rice in cold water until the water runs mostly clear, which washes off surface starch. Use "
        "the right amount of water and avoid stirring while it cooks.",
    ),
    (
        "How do I sharpen a kitchen knife?",
        "Use a whetstone or a pull-through sharpener, holding the blade at a steady angle of about 15-20 "
        "degrees. Hone it on a steel regularly to keep the edge straight between sharpenings.",
    ),
    (
        "What does it mean to fold ingredients?",
        "Folding means gently combining a light mixture, like whipped egg whites, into a heavier one. Cut down "
        "through the middle with a spatula and turn the mixture over so you keep the air in.",
    ),
]

GEOGRAPHY = [
    (
        "What is the capital of Australia?",
        "The capital of Australia is Canberra. Many people guess Sydney, but Canberra was purpose-built as the "
        "capital.",
    ),
    (
        "What is the longest river in the world?",
        "The Nile, at about 6,650 kilometres, is usually listed as the longest river. Some measurements put the "
        "Amazon slightly ahead.",
    ),
    (
        "Which is the largest ocean?",
        "The Pacific Ocean is the largest and deepest ocean. It covers about a third of Earth's surface.",
    ),
    (
        "What is the highest mountain on Earth?",
        "Mount Everest is the highest mountain above sea level, at about 8,849 metres. It sits on the border "
        "between Nepal and China.",
    ),
    (
        "How many continents are there?",
        "There are seven continents: Africa, Antarctica, Asia, Australia (Oceania), Europe, North America and "
        "South America.",
    ),
    ("What is the capital of Canada?", "The capital of Canada is Ottawa, in the province of Ontario."),
    (
        "What is the largest desert in the world?",
        "The largest desert is Antarctica, because a desert is defined by how little precipitation it gets. The "
        "largest hot desert is the Sahara in North Africa.",
    ),
    (
        "Which country has the largest population?",
        "India has the largest population, having passed China in 2023. Both have more than 1.4 billion people.",
    ),
    (
        "What is the smallest country in the world?",
        "Vatican City is the smallest country, at about 0.44 square kilometres. It lies entirely within the city "
        "of Rome.",
    ),
    (
        "Where is the Great Barrier Reef?",
        "The Great Barrier Reef lies off the coast of Queensland in north-eastern Australia. It is the world's "
        "largest coral reef system.",
    ),
    (
        "What is the capital of Japan?",
        "The capital of Japan is Tokyo. Its metropolitan area is one of the most populous in the world.",
    ),
    (
        "What language is spoken in Brazil?",
        "The official language of Brazil is Portuguese, a legacy of Portuguese colonisation.",
    ),
    (
        "What is the largest country by area?",
        "Russia is the largest country by area, covering about 17 million square kilometres across Europe and Asia.",
    ),
    (
        "What is the equator?",
        "The equator is an imaginary line around the middle of Earth, halfway between the North and South "
        "Poles. It divides the planet into the Northern and Southern Hemispheres.",
    ),
    (
        "Which river flows through Paris?",
        "The Seine flows through Paris, past landmarks such as Notre-Dame and the Louvre.",
    ),
    ("What is the capital of Egypt?", "The capital of Egypt is Cairo, on the banks of the Nile."),
    (
        "What is the deepest point in the ocean?",
        "The Challenger Deep in the Mariana Trench is the deepest known point, nearly 11,000 metres below the "
        "surface.",
    ),
    (
        "What are the Alps?",
        "The Alps are a major mountain range stretching across eight European countries, including France, "
        "Switzerland, Italy and Austria. Mont Blanc is their highest peak.",
    ),
    (
        "Which is the largest island in the world?",
        "Greenland is the largest island. Australia is bigger, but it is counted as a continent.",
    ),
    ("What is the capital of Kenya?", "The capital of Kenya is Nairobi."),
    (
        "Why is Iceland green and Greenland icy?",
        "Iceland is kept milder by warm Atlantic currents, while most of Greenland lies under a huge ice sheet. "
        "The names themselves come from Viking-age stories, not from the climate.",
    ),
    (
        "What is a fjord?",
        "A fjord is a long, narrow, deep inlet of the sea between steep cliffs, carved out by glaciers. Norway "
        "is famous for them.",
    ),
    ("What is the capital of Argentina?", "The capital of Argentina is Buenos Aires, on the Rio de la Plata."),
    (
        "Which two countries share the longest border?",
        "Canada and the United States share the world's longest international border, about 8,900 kilometres "
        "including Alaska.",
    ),
    (
        "What is the Ring of Fire?",
        "The Ring of Fire is a horseshoe-shaped zone around the Pacific Ocean where many earthquakes and "
        "volcanoes occur. It follows the edges of several tectonic plates.",
    ),
    (
        "Where is Mount Kilimanjaro?",
        "Mount Kilimanjaro is in Tanzania, in East Africa. At about 5,895 metres it is the highest mountain in "
        "Africa.",
    ),
    ("What is the capital of Spain?", "The capital of Spain is Madrid, near the centre of the country."),
    (
        "What is a river delta?",
        "A delta is a landform at the mouth of a river, where the water slows down and drops its sediment, often "
        "spreading into many channels. The Nile and Mississippi deltas are well-known examples.",
    ),
]

CODING = [
    (
        "How do I reverse a list in Python?",
        "Use `my_list[::-1]` to get a reversed copy, or `my_list.reverse()` to reverse the list in place.",
    ),
    (
        "What is a variable in programming?",
        "A variable is a name that stores a value so you can use it later, like `age = 30`. Its value can change "
        "while the program runs.",
    ),
    (
        "How do I read a file in Python?",
        'Use a `with` block: `with open("notes.txt") as f: text = f.read()`. The file is closed automatically '
        "when the block ends.",
    ),
    (
        "What is the difference between a list and a tuple in Python?",
        "A list is mutable, so you can change its items, while a tuple cannot be changed once created. Lists use "
        "square brackets and tuples use parentheses.",
    ),
    (
        "What does HTML stand for?",
        "HTML stands for HyperText Markup Language. It describes the structure of web pages, such as headings, "
        "paragraphs and links.",
    ),
    ("How do I get the length of a string in Python?", 'Use the built-in `len()` function: `len("hello")` returns 5.'),
    (
        "What is Git?",
        "Git is a version control system that tracks changes to files over time. It lets you save snapshots "
        "called commits, undo mistakes and work on the same code with others.",
    ),
    (
        "What is a function in programming?",
        "A function is a reusable block of code that does one job. You give it inputs, called arguments, and it "
        "can return a result.",
    ),
    (
        "How do I print something in JavaScript?",
        'Use `console.log("Hello")` to print to the browser console, or to the terminal in Node.js.',
    ),
    (
        "What is an API?",
        "An API (application programming interface) is a set of rules that lets one program talk to another. "
        "For example, a weather app uses a weather service's API to fetch forecasts.",
    ),
    (
        "How do I sort a list of numbers in Python?",
        "Use `sorted(numbers)` to get a new sorted list, or `numbers.sort()` to sort it in place. Add "
        "`reverse=True` for descending order.",
    ),
    (
        "What is a loop in programming?",
        "A loop repeats a block of code, either a set number of times or while a condition stays true. In "
        "Python, `for` and `while` are the two main loops.",
    ),
    (
        "What is the difference between == and = in Python?",
        "A single `=` assigns a value to a variable, while `==` compares two values and gives `True` or `False`.",
    ),
    (
        "What is SQL used for?",
        "SQL is a language for working with relational databases. You use it to query, insert, update and "
        "delete data stored in tables.",
    ),
    (
        "How do I create a virtual environment in Python?",
        "Run `python -m venv .venv`, then activate it with `source .venv/bin/activate` on macOS or Linux, or "
        "`.venv\\Scripts\\activate` on Windows.",
    ),
    (
        "What is a bug in software?",
        "A bug is a mistake in a program that makes it behave in an unexpected way. Finding and fixing bugs is "
        "called debugging.",
    ),
    (
        "What does CSS do?",
        "CSS (Cascading Style Sheets) controls how a web page looks: colours, fonts, spacing and layout. HTML "
        "gives the structure and CSS gives the style.",
    ),
    (
        "How do I convert a string to an integer in Python?",
        'Use `int()`, for example `int("42")` returns the number 42. It raises a `ValueError` if the string is '
        "not a valid number.",
    ),
    (
        "What is recursion?",
        "Recursion is when a function calls itself to solve a smaller version of the same problem. It needs a "
        "base case so it knows when to stop.",
    ),
    (
        "What is the difference between RAM and storage?",
        "RAM is fast, temporary memory for what your computer is working on right now, and it is cleared when "
        "the power goes off. Storage, like an SSD, keeps your files permanently.",
    ),
    (
        "How do I remove duplicates from a list in Python?",
        "Use `list(dict.fromkeys(items))` to drop duplicates while keeping the original order. "
        "`list(set(items))` also works, but it does not keep the order.",
    ),
    (
        "What is JSON?",
        "JSON is a lightweight text format for storing and exchanging data. It uses key-value pairs like "
        '`{"name": "Ada", "age": 36}`.',
    ),
    (
        "What is an if statement?",
        "An if statement runs a block of code only when a condition is true, for example `if temperature > 30: "
        'print("Hot!")`. Add `else` to handle the other case.',
    ),
    (
        "What is a dictionary in Python?",
        'A dictionary stores key-value pairs, like `stock = {"apple": 3, "pear": 5}`. You look up a value by its '
        'key, for example `stock["apple"]`.',
    ),
    (
        "How do I undo the last Git commit?",
        "If you have not pushed it yet, `git reset --soft HEAD~1` undoes the commit but keeps your changes "
        "staged. If it is already shared, use `git revert HEAD` instead.",
    ),
    (
        "What is open-source software?",
        "Open-source software has source code that anyone can read, change and share under its licence. Linux, "
        "Python and Firefox are well-known examples.",
    ),
    (
        "What does a compiler do?",
        "A compiler translates code written in a programming language into machine code, or another "
        "lower-level form, that a computer can run.",
    ),
    (
        "How do I get today's date in Python?",
        "Import it with `from datetime import date`, then `date.today()` returns today's date.",
    ),
    (
        "What is an array index?",
        "An index is the position of an item in an array or list. Most languages, including Python and "
        "JavaScript, start counting at 0.",
    ),
    (
        "What is the difference between Python and JavaScript?",
        "Python is a general-purpose language popular for scripting, data science and back-end work. JavaScript "
        "is the language of web browsers and also runs on servers with Node.js.",
    ),
]

HISTORY = [
    (
        "Who was Julius Caesar?",
        "Julius Caesar was a Roman general and statesman who conquered Gaul and became dictator of Rome. He was "
        "assassinated on the Ides of March, 44 BC.",
    ),
    (
        "When did World War II end?",
        "World War II ended in 1945: in Europe on 8 May, and in the Pacific when Japan formally surrendered on "
        "2 September.",
    ),
    (
        "Who built the pyramids of Giza?",
        "Ancient Egyptians built them about 4,500 years ago as tombs for pharaohs such as Khufu. The builders "
        "were mostly paid workers, not slaves.",
    ),
    (
        "Who was the first person to walk on the Moon?",
        "Neil Armstrong was the first, on 20 July 1969, during NASA's Apollo 11 mission. Buzz Aldrin followed "
        "him shortly after.",
    ),
    (
        "What was the Renaissance?",
        "The Renaissance was a period of renewed interest in art, science and classical learning in Europe, "
        "roughly from the 14th to the 17th century. It began in Italy and produced artists like Leonardo da "
        "Vinci and Michelangelo.",
    ),
    (
        "Who invented the printing press?",
        "Johannes Gutenberg developed the movable-type printing press in Germany around 1440. It made books "
        "cheaper and helped ideas spread quickly across Europe.",
    ),
    (
        "What was the Industrial Revolution?",
        "The Industrial Revolution was the shift from making things by hand to machines and factories, starting "
        "in Britain in the late 18th century. Steam power, textiles and iron were at its heart.",
    ),
    (
        "Who was Cleopatra?",
        "Cleopatra VII was the last active ruler of the Ptolemaic Kingdom of Egypt. She was known for her "
        "intelligence and her alliances with Julius Caesar and Mark Antony.",
    ),
    (
        "When did the Berlin Wall fall?",
        "The Berlin Wall fell on 9 November 1989, when East Germany opened its border crossings. Germany was "
        "reunified the following year.",
    ),
    (
        "Who was Marie Curie?",
        "Marie Curie was a physicist and chemist who pioneered research on radioactivity. She was the first "
        "person to win Nobel Prizes in two different sciences, physics and chemistry.",
    ),
    (
        "Why was the Great Wall of China built?",
        "It was built over many centuries, mainly to protect Chinese states from raids by nomadic groups from "
        "the north. It also helped control trade and movement along the border.",
    ),
    (
        "Who was Napoleon Bonaparte?",
        "Napoleon was a French military leader who rose to power after the French Revolution and crowned "
        "himself emperor in 1804. He was finally defeated at Waterloo in 1815.",
    ),
    (
        "What was the Magna Carta?",
        "The Magna Carta was a charter agreed by King John of England in 1215. It established that the king was "
        "subject to the law, an idea that shaped later constitutions.",
    ),
    (
        "Who wrote the Declaration of Independence?",
        "Thomas Jefferson was its main author, working with a committee that included John Adams and Benjamin "
        "Franklin. It was adopted on 4 July 1776.",
    ),
    (
        "What was the Cold War?",
        "The Cold War was a long period of tension between the United States and the Soviet Union, from about "
        "1947 to 1991. They competed through an arms race, the space race and proxy wars rather than fighting "
        "each other directly.",
    ),
    (
        "Who was Nelson Mandela?",
        "Nelson Mandela was a South African anti-apartheid leader who spent 27 years in prison. In 1994 he "
        "became the country's first Black president.",
    ),
    (
        "When did the Titanic sink?",
        "The Titanic sank on 15 April 1912 after hitting an iceberg on its first voyage. More than 1,500 people died.",
    ),
    (
        "Who was Leonardo da Vinci?",
        "Leonardo da Vinci was an Italian Renaissance artist and inventor. He painted the Mona Lisa and The Last "
        "Supper and filled notebooks with designs and scientific studies.",
    ),
    (
        "What was the Silk Road?",
        "The Silk Road was a network of trade routes linking China with Central Asia, the Middle East and "
        "Europe. Merchants traded silk, spices and ideas along it for centuries.",
    ),
    (
        "Who was the first emperor of China?",
        "Qin Shi Huang became the first emperor of a unified China in 221 BC. He standardised writing, coins and "
        "measurements, and he is famous for the Terracotta Army.",
    ),
    (
        "What were the ancient Olympic Games?",
        "They were athletic festivals held every four years at Olympia in honour of Zeus, traditionally from "
        "776 BC. Events included running, wrestling and chariot racing.",
    ),
    (
        "Who invented the telephone?",
        "Alexander Graham Bell received the first US patent for the telephone in 1876. Other inventors, such as "
        "Elisha Gray and Antonio Meucci, worked on similar ideas.",
    ),
    (
        "What was the French Revolution?",
        "The French Revolution, which began in 1789, overthrew the monarchy and reshaped France around ideas of "
        "liberty and equality. It was followed by the rise of Napoleon.",
    ),
    (
        "Who were the Vikings?",
        "The Vikings were seafaring people from Scandinavia who raided, traded and settled across Europe from "
        "about 800 to 1050 AD. They even reached North America.",
    ),
    (
        "When was the United Nations founded?",
        "The United Nations was founded on 24 October 1945, after World War II, to promote peace and "
        "cooperation between countries.",
    ),
    (
        "Who was Ada Lovelace?",
        "Ada Lovelace was a 19th-century English mathematician who wrote notes on Charles Babbage's Analytical "
        "Engine. She is often called the first computer programmer.",
    ),
    (
        "What was the Apollo program?",
        "Apollo was NASA's program that landed humans on the Moon. Between 1969 and 1972, six missions put "
        "twelve astronauts on the lunar surface.",
    ),
    (
        "Who was Mahatma Gandhi?",
        "Mahatma Gandhi led India's non-violent independence movement against British rule. His methods of "
        "peaceful protest inspired civil rights movements around the world.",
    ),
]

ADVICE = [
    (
        "Any tips for a job interview?",
        "Research the company, prepare short stories that show your skills, and practise answering common "
        "questions out loud. Arrive a little early with a couple of questions of your own.",
    ),
    (
        "How can I sleep better?",
        "Keep a regular bedtime, keep your room cool and dark, and avoid screens and caffeine in the hours "
        "before bed.",
    ),
    (
        "How do I stay motivated to exercise?",
        "Pick an activity you actually enjoy, set a small, specific goal and schedule it like an appointment. "
        "Training with a friend makes it much harder to skip.",
    ),
    (
        "How can I save money on groceries?",
        "Plan your meals for the week, shop with a list and avoid shopping hungry. Store brands and seasonal "
        "produce also cut costs.",
    ),
    (
        "How do I deal with stress?",
        "Take short breaks with slow breathing, exercise regularly and get enough sleep. Talking to someone you "
        "trust helps, and if stress feels overwhelming, reach out to a professional.",
    ),
    (
        "How can I be more productive?",
        "Pick your three most important tasks each morning and start with the hardest. Work in focused blocks, "
        "such as 25 minutes, with your phone out of reach.",
    ),
    (
        "How do I start learning a new language?",
        "Practise a little every day, even 15 minutes, and learn the most common words first. Speaking early "
        "with a tutor or a language partner speeds things up.",
    ),
    (
        "How do I write a good email?",
        "Use a clear subject line, put the main point or request in the first sentence and keep it short. Read "
        "it once before sending to check the tone and typos.",
    ),
    (
        "How can I make new friends as an adult?",
        "Join a regular activity, like a club, class or volunteer group, so you see the same people often. Then "
        "suggest a coffee with someone you click with.",
    ),
    (
        "How do I prepare for an exam?",
        "Spread your revision over several days and test yourself with practice questions instead of just "
        "rereading. Sleep well the night before, because memory improves with rest.",
    ),
    (
        "How much water should I drink a day?",
        "A common guide is about 2 litres a day for many adults, but needs vary with size, activity and climate. "
        "Drinking when thirsty and having pale yellow urine are good signs.",
    ),
    (
        "How can I improve my public speaking?",
        "Practise out loud several times, ideally in front of a friend or a camera. Know your opening lines by "
        "heart and slow down: pauses feel longer to you than to the audience.",
    ),
    (
        "How do I create a monthly budget?",
        "Write down your monthly income, list your fixed costs, then set limits for everything else. A simple "
        "rule is 50% for needs, 30% for wants and 20% for savings.",
    ),
    (
        "How can I reduce my screen time?",
        "Turn off non-essential notifications and set app limits on your phone. Keep the phone out of the "
        "bedroom and swap some scrolling for a book or a walk.",
    ),
    (
        "What should I pack for a weekend trip?",
        "Pack two outfits plus a layer for bad weather, comfortable shoes, toiletries, chargers and any "
        "medication. Check the forecast before you go.",
    ),
    (
        "How do I care for a houseplant?",
        "Most houseplants like bright, indirect light and water only when the top few centimetres of soil feel "
        "dry. Make sure the pot drains, because soggy roots rot.",
    ),
    (
        "How can I be a better listener?",
        "Give the speaker your full attention, put your phone away and avoid planning your reply while they "
        "talk. Ask follow-up questions and sum up what you heard.",
    ),
    (
        "How do I ask for a raise?",
        "Gather evidence of your results and research typical pay for your role. Ask for a meeting, name a "
        "specific number and explain the value you bring.",
    ),
    (
        "How can I keep my passwords safe?",
        "Use a password manager to create a long, unique password for every site, and turn on two-factor "
        "authentication wherever you can.",
    ),
    (
        "How do I get over procrastination?",
        "Break the task into a tiny first step, like opening the document, and commit to just five minutes. "
        "Starting is the hardest part, and momentum usually follows.",
    ),
    (
        "How do I make a good first impression?",
        "Smile, make eye contact and use the person's name. Be curious about them and ask open questions.",
    ),
    (
        "What are some healthy snack ideas?",
        "Try fruit with a handful of nuts, carrot sticks with hummus, plain yoghurt with berries, or a boiled "
        "egg. They keep you full longer than sugary snacks.",
    ),
    (
        "How do I start running?",
        "Begin with run-walk intervals, such as one minute running and two minutes walking, three times a week. "
        "Build up slowly and wear comfortable shoes.",
    ),
    (
        "How can I remember names better?",
        'Repeat the name when you hear it, as in "Nice to meet you, Sam", and link it to a picture in your mind. '
        "Use it again once or twice during the conversation.",
    ),
    (
        "How do I stop overthinking?",
        "Write your worries down, then pick one small action you can take. When your thoughts start to spiral, "
        "switch your attention to something physical, like a walk.",
    ),
    (
        "How should I prepare for a long flight?",
        "Wear comfortable layers, drink plenty of water and walk around the cabin every hour or two. Bring "
        "headphones, snacks and a neck pillow.",
    ),
    (
        "How do I keep a journal?",
        "Write a few lines at the same time each day: what happened, how you felt and one thing you are "
        "grateful for. Keeping it simple helps the habit stick.",
    ),
    (
        "How can I make my mornings less rushed?",
        "Prepare the night before: lay out your clothes, pack your bag and plan breakfast. Wake up 15 minutes "
        "earlier and leave your phone alone until you are ready.",
    ),
]

EVERYDAY = [
    ("What is 15% of 80?", "15% of 80 is 12, because 0.15 times 80 equals 12."),
    (
        "What is a prime number?",
        "A prime number is a whole number greater than 1 that can only be divided evenly by 1 and itself, like "
        "2, 3, 5, 7 and 11.",
    ),
    ("How many minutes are in a day?", "There are 1,440 minutes in a day: 24 hours times 60 minutes."),
    (
        "What is the Pythagorean theorem?",
        "In a right-angled triangle, the square of the longest side equals the sum of the squares of the other "
        "two sides: a^2 + b^2 = c^2.",
    ),
    (
        "How do I convert Celsius to Fahrenheit?",
        "Multiply the Celsius temperature by 9/5 and add 32. For example, 20 degrees Celsius is 68 degrees "
        "Fahrenheit.",
    ),
    ("What is the square root of 144?", "The square root of 144 is 12, because 12 times 12 equals 144."),
    (
        "What is pi?",
        "Pi is the ratio of a circle's circumference to its diameter, about 3.14159. It is irrational, so its "
        "digits never end or repeat.",
    ),
    ("How many centimetres are in an inch?", "One inch is exactly 2.54 centimetres."),
    (
        "What is the difference between mean and median?",
        "The mean is the sum of the values divided by how many there are. The median is the middle value once "
        "they are sorted, so extreme values affect it less.",
    ),
    (
        "What is a synonym?",
        "A synonym is a word with the same or nearly the same meaning as another, like 'happy' and 'glad'.",
    ),
    (
        "What is the plural of mouse?",
        "The plural of 'mouse' is 'mice'. For computer mice, 'mice' is the most common form too.",
    ),
    (
        "How many days are in a leap year?",
        "A leap year has 366 days, with an extra day on 29 February. Leap years usually come every four years.",
    ),
    (
        "What is a haiku?",
        "A haiku is a short Japanese poem of three lines with 5, 7 and 5 syllables. It often captures a moment "
        "in nature.",
    ),
    (
        "What is inflation?",
        "Inflation is the general rise in prices over time, so each unit of money buys a little less. Many "
        "central banks aim to keep it around 2% a year.",
    ),
    (
        "What is compound interest?",
        "Compound interest is interest earned on both your original money and the interest already added to it. "
        "Over time it makes savings grow faster and faster.",
    ),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet, probably around 1595."),
    (
        "What is the difference between affect and effect?",
        "'Affect' is usually a verb meaning to influence, and 'effect' is usually a noun meaning a result. For "
        "example: the weather affects my mood; it has a big effect on it.",
    ),
]

# Two-turn conversations: the follow-up only makes sense with the first exchange in context.
MULTI_TURN = [
    [
        ("What is the capital of France?", "The capital of France is Paris."),
        (
            "How many people live there?",
            "About 2.1 million people live in the city of Paris itself, and more than 12 million in the wider "
            "metropolitan area.",
        ),
    ],
    [
        (
            "Can you recommend an easy dinner?",
            "A vegetable stir-fry is quick: fry sliced peppers, broccoli and carrots in a hot pan, add soy sauce and "
            "garlic, and serve it with rice or noodles.",
        ),
        (
            "Can I add chicken?",
            "Yes. Slice it thinly and stir-fry it first until cooked through, set it aside, then add it back with "
            "the sauce at the end.",
        ),
    ],
    [
        (
            "What is Python?",
            "Python is a popular, beginner-friendly programming language used for web apps, data analysis, "
            "automation and AI.",
        ),
        (
            "How do I print hello world in it?",
            'Write `print("Hello, world!")` in a file or at the Python prompt and run it.',
        ),
    ],
    [
        (
            "Who was Isaac Newton?",
            "Isaac Newton was an English scientist who described the laws of motion and universal gravitation in "
            "the 17th century.",
        ),
        (
            "What did he discover about light?",
            "He showed that white light is a mixture of colours by splitting it with a prism and then recombining it.",
        ),
    ],
    [
        (
            "I feel nervous about my presentation tomorrow.",
            "That is completely normal. Run through it out loud two or three times tonight and get a good night's "
            "sleep; being prepared is the best cure for nerves.",
        ),
        (
            "What if I forget what to say?",
            "Keep a small card with your key points. If you lose your place, pause, take a breath and glance at it; "
            "the audience will barely notice.",
        ),
    ],
    [
        (
            "Which is the hottest planet?",
            "Venus is the hottest planet, at around 465 degrees Celsius, because its thick carbon dioxide "
            "atmosphere traps heat.",
        ),
        (
            "Is it closer to the Sun than Mercury?",
            "No. Mercury is closer to the Sun, but it has almost no atmosphere to hold the heat, so Venus ends up "
            "hotter.",
        ),
    ],
    [
        (
            "How do I make a cup of black tea?",
            "Pour freshly boiled water over a tea bag and let it steep for 3-5 minutes. Remove the bag and add milk "
            "or lemon if you like.",
        ),
        (
            "And iced tea?",
            "Brew the tea twice as strong, let it cool, then pour it over plenty of ice. Add lemon or a little "
            "sugar to taste.",
        ),
    ],
    [
        (
            "What does a CPU do?",
            "The CPU, or central processing unit, carries out a program's instructions: it does the calculations "
            "and directs the other parts of the computer.",
        ),
        (
            "And a GPU?",
            "A GPU has thousands of small cores built to do many simple calculations at once, which makes it great "
            "for graphics and for training AI models.",
        ),
    ],
    [
        (
            "Tell me a fun fact about octopuses.",
            "An octopus has three hearts and blue blood. Two hearts pump blood through the gills and the third "
            "pumps it to the rest of the body.",
        ),
        (
            "How smart are they?",
            "Very smart for invertebrates: they can solve puzzles, open jars and learn by watching other octopuses.",
        ),
    ],
    [
        (
            "How do I start saving for retirement?",
            "Start as early as you can, even with small amounts, and join any workplace pension, especially if your "
            "employer matches your contributions.",
        ),
        (
            "How much should I save?",
            "A common guideline is 10-15% of your income, but any amount you keep up consistently helps, thanks to "
            "compound growth.",
        ),
    ],
    [
        (
            "When did the Roman Empire fall?",
            "The Western Roman Empire fell in 476 AD, when the last emperor, Romulus Augustulus, was deposed.",
        ),
        (
            "What about the eastern half?",
            "The Eastern Roman, or Byzantine, Empire lasted until 1453, when the Ottomans captured Constantinople.",
        ),
    ],
    [
        (
            "What's a good stretch for a stiff neck?",
            "Slowly tilt your ear towards your shoulder and hold for 20-30 seconds, then switch sides. Keep your "
            "shoulders relaxed.",
        ),
        (
            "How often should I do it?",
            "A few times a day is fine, especially during long desk sessions. Stop if it causes sharp pain, and see "
            "a doctor if the stiffness lasts.",
        ),
    ],
    [
        (
            "What is an adjective?",
            "An adjective describes a noun, such as 'happy' in 'a happy child' or 'tall' in 'a tall tree'.",
        ),
        (
            "And an adverb?",
            "An adverb describes a verb, an adjective or another adverb, often telling how or when, like 'quickly' "
            "or 'very'.",
        ),
    ],
    [
        (
            "How do I join a list of strings in Python?",
            'Use `", ".join(items)` to join them with a comma and a space. Convert numbers first with '
            "`map(str, items)`.",
        ),
        ("How do I split it back into a list?", 'Use `text.split(", ")` to turn the string back into a list.'),
    ],
    [
        (
            "Why do we yawn?",
            "Nobody knows for sure, but yawning may help cool the brain and make us more alert. It is also "
            "contagious between people.",
        ),
        (
            "Do animals yawn too?",
            "Yes, many animals yawn, including dogs, cats, fish and birds. Dogs can even catch yawns from humans.",
        ),
    ],
    [
        ("What is the capital of South Korea?", "The capital of South Korea is Seoul."),
        (
            "What is it famous for?",
            "Seoul is known for palaces like Gyeongbokgung, its street food markets, K-pop and its technology "
            "companies.",
        ),
    ],
    [
        (
            "How do I make my bike tyres last longer?",
            "Keep them pumped to the pressure printed on the sidewall and check them every week or two.",
        ),
        (
            "How do I fix a puncture?",
            "Take out the inner tube, find the hole by pumping it up and listening or dipping it in water, then "
            "patch it or fit a new tube. Check the tyre for the sharp object before refitting it.",
        ),
    ],
    [
        (
            "What is a healthy lunch I can take to work?",
            "Try a grain bowl with rice or quinoa, roasted vegetables, a protein like chickpeas or chicken, and a "
            "simple dressing.",
        ),
        (
            "Can I prepare it ahead?",
            "Yes. Make three or four portions on Sunday and keep them in sealed containers in the fridge; add the "
            "dressing just before eating.",
        ),
    ],
    [
        (
            "Who was Galileo?",
            "Galileo Galilei was an Italian astronomer who improved the telescope and discovered four moons of "
            "Jupiter in 1610.",
        ),
        (
            "Why did he get into trouble?",
            "He supported the idea that Earth orbits the Sun, which clashed with Church teaching. In 1633 he was "
            "tried and spent his last years under house arrest.",
        ),
    ],
    [
        (
            "I want to learn to draw. Where do I start?",
            "Start with simple shapes and everyday objects, and draw a little every day. A cheap sketchbook and a "
            "pencil are all you need.",
        ),
        (
            "Should I take a class?",
            "A class can speed things up with feedback, but free online tutorials work well too. Choose whatever "
            "keeps you drawing regularly.",
        ),
    ],
    [
        (
            "What is the freezing point of water?",
            "Water freezes at 0 degrees Celsius (32 degrees Fahrenheit) at normal air pressure.",
        ),
        (
            "Why do we put salt on icy roads?",
            "Salt lowers the freezing point of water, so the ice melts even when it is a few degrees below zero.",
        ),
    ],
]

SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a friendly assistant. Keep your answers short.",
    "You are a knowledgeable tutor who explains things simply.",
    "Answer clearly and accurately.",
]

# Held-out prompts: none of these questions appears in any training row above.
CHAT_HELDOUT = [
    (
        "Why is the sky blue?",
        "Sunlight is scattered by the gases in the air, and blue light is scattered much more than red because "
        "of its shorter wavelength. That scattered blue light reaches your eyes from every direction.",
    ),
    (
        "How do plants drink water?",
        "Roots absorb water from the soil, and it travels up through tiny tubes called xylem. Water evaporating "
        "from the leaves pulls more water up behind it.",
    ),
    ("What is the capital of Italy?", "The capital of Italy is Rome."),
    (
        "How do I make scrambled eggs?",
        "Whisk the eggs with a pinch of salt, then cook them in butter over low heat, stirring gently. Take "
        "them off the heat while they are still slightly soft.",
    ),
    (
        "What is a noun?",
        "A noun is a word that names a person, place, thing or idea, such as 'teacher', 'London' or 'happiness'.",
    ),
    (
        "How do I loop over a dictionary in Python?",
        "Use `for key, value in my_dict.items():` to get both the key and the value on each pass.",
    ),
    (
        "Who painted the ceiling of the Sistine Chapel?",
        "Michelangelo painted the Sistine Chapel ceiling between 1508 and 1512.",
    ),
    (
        "How can I focus better while studying?",
        "Study in short, focused blocks with breaks, keep your phone in another room and work on one subject at "
        "a time.",
    ),
    (
        "What is the largest mammal?",
        "The blue whale is the largest mammal, and the largest animal known to have lived, at up to about 30 "
        "metres long.",
    ),
    ("How many hours are in a week?", "There are 168 hours in a week: 7 days times 24 hours."),
    ("What is the capital of Germany?", "The capital of Germany is Berlin."),
    (
        "How should I store fresh tomatoes?",
        "Keep ripe tomatoes at room temperature, out of direct sunlight, and eat them within a few days. Only "
        "refrigerate them if they are very ripe and need to last longer.",
    ),
    (
        "What is electricity?",
        "Electricity is the flow of electric charge, usually electrons moving through a wire. It powers lights, "
        "motors and electronics.",
    ),
    (
        "What is a for loop?",
        "A for loop repeats code once for each item in a sequence, like `for name in names: print(name)`.",
    ),
    (
        "Who was Albert Einstein?",
        "Albert Einstein was a physicist best known for the theory of relativity and the equation E = mc^2. He "
        "won the Nobel Prize in Physics in 1921.",
    ),
    (
        "How do I use a French press?",
        "Add coarsely ground coffee, pour in water just off the boil and stir. After about four minutes, press "
        "the plunger down slowly and pour.",
    ),
    (
        "What causes earthquakes?",
        "Earthquakes happen when stress builds up where tectonic plates meet and the rocks suddenly slip. The "
        "released energy travels as seismic waves that shake the ground.",
    ),
    (
        "What is the longest river in South America?",
        "The Amazon is the longest river in South America, flowing about 6,400 kilometres to the Atlantic Ocean.",
    ),
    (
        "How do I say thank you politely in an email?",
        "Try something like 'Thank you for your help with this; I really appreciate it.' Mentioning what they "
        "did makes it sound sincere.",
    ),
    (
        "What is a comet?",
        "A comet is a small, icy body that orbits the Sun. As it comes close, the ice heats up and forms a "
        "glowing head and a long tail.",
    ),
    (
        "How can I drink more water during the day?",
        "Keep a refillable bottle with you, drink a glass with every meal and add lemon or fruit for flavour.",
    ),
    (
        "What is machine learning?",
        "Machine learning is a way of building software that learns patterns from examples instead of following "
        "hand-written rules. It powers things like spam filters and recommendations.",
    ),
    (
        "When did the first airplane fly?",
        "The Wright brothers made the first powered, controlled airplane flight on 17 December 1903, at Kitty "
        "Hawk, North Carolina.",
    ),
    ("What is the capital of Mexico?", "The capital of Mexico is Mexico City."),
    (
        "How do I speed up a slow computer?",
        "Close programs you are not using, restart it and uninstall apps you no longer need. Make sure there is "
        "free disk space and install the latest updates.",
    ),
    (
        "How does a rainbow form?",
        "Sunlight enters raindrops, bends and reflects inside them and splits into its colours. You see a "
        "rainbow with the Sun behind you.",
    ),
    (
        "How long should I boil pasta?",
        "Most dried pasta takes 8-12 minutes in well-salted boiling water; check the packet and taste it a "
        "minute early.",
    ),
    (
        "What is a good way to start a speech?",
        "Open with a short story, a surprising fact or a question for the audience, then say clearly what your "
        "talk is about.",
    ),
    (
        "What is the difference between a virus and a bacterium?",
        "Bacteria are living single cells that can reproduce on their own. Viruses are much smaller and can only "
        "multiply inside a host's cells, so antibiotics do not work on them.",
    ),
    (
        "How do I write a for loop in JavaScript?",
        "Use `for (let i = 0; i < 5; i++) { console.log(i); }` to count from 0 to 4.",
    ),
    (
        "Who discovered penicillin?",
        "Alexander Fleming discovered penicillin in 1928, when he noticed mould killing bacteria in a petri dish.",
    ),
    (
        "What is the tallest building in the world?",
        "The Burj Khalifa in Dubai is the tallest building, at about 828 metres.",
    ),
    (
        "How do I keep cut apples from turning brown?",
        "Toss the slices in a little lemon juice or dip them in lightly salted water. This slows the reaction "
        "with air that turns them brown.",
    ),
    ("What is the main gas in the air we breathe?", "Nitrogen makes up about 78% of the air; oxygen is about 21%."),
    (
        "Any advice for my first day at a new job?",
        "Arrive a little early, introduce yourself to your teammates and take notes. Ask questions; nobody "
        "expects you to know everything on day one.",
    ),
    ("What is a verb?", "A verb is a word for an action or a state, like 'run', 'think' or 'be'."),
]

# ---------------------------------------------------------------------------------------------------------
# Preference pairs: chosen = bullet list of the points; rejected = the same sentences as one paragraph.
# ---------------------------------------------------------------------------------------------------------

PREFERENCE = [
    (
        "Give me tips for better sleep.",
        [
            "Keep a consistent bedtime, even at weekends.",
            "Keep your bedroom cool, dark and quiet.",
            "Avoid caffeine after midday and screens in the last hour before bed.",
        ],
    ),
    (
        "How do I make my home office more comfortable?",
        [
            "Set your screen at eye level, about an arm's length away.",
            "Use a chair that supports your lower back.",
            "Put your desk near natural light.",
        ],
    ),
    (
        "What are the benefits of walking every day?",
        [
            "It strengthens your heart and can lower blood pressure.",
            "It lifts your mood and reduces stress.",
            "It helps with weight control and joint health.",
        ],
    ),
    (
        "How can I save money each month?",
        [
            "Track every expense for one month to see where the money goes.",
            "Cancel subscriptions you rarely use.",
            "Set up an automatic transfer to savings on payday.",
        ],
    ),
    (
        "What should I check before buying a used car?",
        [
            "Ask for the service history and check that the mileage matches it.",
            "Have an independent mechanic inspect it.",
            "Test drive it on both city streets and faster roads.",
        ],
    ),
    (
        "How do I prepare for a job interview?",
        [
            "Research the company and the role.",
            "Prepare examples that show your skills.",
            "Have two or three questions ready for the interviewer.",
        ],
    ),
    (
        "What are good ways to learn vocabulary in a new language?",
        [
            "Review spaced-repetition flashcards every day.",
            "Learn words in short phrases, not alone.",
            "Read and listen to simple content you enjoy.",
        ],
    ),
    (
        "How can I reduce food waste at home?",
        [
            "Plan meals and shop with a list.",
            "Move older food to the front of the fridge.",
            "Turn leftovers into soups, stir-fries or frozen portions.",
        ],
    ),
    (
        "What are the steps to change a flat tyre?",
        [
            "Park safely, switch on the hazard lights and slightly loosen the wheel nuts.",
            "Jack up the car, remove the nuts and fit the spare wheel.",
            "Tighten the nuts in a star pattern, lower the car and tighten them again.",
        ],
    ),
    (
        "How do I keep my laptop battery healthy?",
        [
            "Avoid keeping it at 100% charge all the time.",
            "Keep it away from heat.",
            "Turn on the battery-care setting if your laptop has one.",
        ],
    ),
    (
        "What are the signs of dehydration?",
        [
            "Thirst and a dry mouth.",
            "Dark yellow urine, or urinating less often.",
            "Headache, tiredness or dizziness.",
        ],
    ),
    (
        "How can I be more confident when speaking in meetings?",
        [
            "Prepare one or two points before the meeting.",
            "Speak early, before nerves build up.",
            "Speak slowly and keep your points short.",
        ],
    ),
    (
        "What should I pack for a day at the beach?",
        [
            "Sunscreen, a hat and sunglasses.",
            "Plenty of water and some snacks.",
            "A towel, swimwear and a bag for wet things.",
        ],
    ),
    (
        "How do I start a vegetable garden?",
        [
            "Choose a spot with at least six hours of sun.",
            "Improve the soil with compost.",
            "Start with easy crops like lettuce, beans and courgettes.",
        ],
    ),
    (
        "What are the benefits of reading books?",
        [
            "It builds vocabulary and knowledge.",
            "It improves focus and memory.",
            "It can reduce stress and help you relax.",
        ],
    ),
    (
        "How do I write a good CV?",
        [
            "Keep it to one or two pages.",
            "Lead with achievements, using numbers where you can.",
            "Tailor it to each job you apply for.",
        ],
    ),
    (
        "How can I make my phone battery last longer?",
        [
            "Lower the screen brightness.",
            "Turn off background refresh for apps you rarely use.",
            "Use the built-in battery saver mode.",
        ],
    ),
    (
        "What are good habits for healthy teeth?",
        [
            "Brush twice a day with fluoride toothpaste.",
            "Clean between your teeth every day.",
            "Limit sugary snacks and drinks.",
        ],
    ),
    (
        "How do I prepare for a day hike?",
        [
            "Check the weather and the route.",
            "Wear sturdy shoes and bring layers.",
            "Carry water, snacks and a charged phone.",
        ],
    ),
    (
        "How can I improve my handwriting?",
        ["Slow down and form each letter deliberately.", "Hold the pen loosely.", "Practise a few lines every day."],
    ),
    (
        "How do I clean a cast-iron pan?",
        [
            "Wash it with hot water and a brush while it is still warm.",
            "Dry it completely straight away.",
            "Rub on a thin layer of oil before storing it.",
        ],
    ),
    (
        "How can I make a small room look bigger?",
        [
            "Paint the walls a light colour.",
            "Hang a large mirror to reflect light.",
            "Choose furniture on legs and keep the floor clear.",
        ],
    ),
    (
        "What should I do if I get lost while hiking?",
        [
            "Stop, stay calm and stay where you are.",
            "Call the emergency services if you have signal.",
            "Make yourself easy to see and hear, for example with a whistle.",
        ],
    ),
    (
        "How do I choose a good watermelon?",
        [
            "Look for a creamy yellow spot where it rested on the ground.",
            "Pick one that feels heavy for its size.",
            "Tap it and listen for a deep, hollow sound.",
        ],
    ),
    (
        "What are easy ways to be kinder to the environment?",
        [
            "Walk, cycle or use public transport when you can.",
            "Cut down on single-use plastics.",
            "Eat more plant-based meals.",
        ],
    ),
    (
        "How can I get better at chess?",
        [
            "Solve a few tactics puzzles every day.",
            "Learn opening principles rather than long move lists.",
            "Review the games you lose to find your mistakes.",
        ],
    ),
    (
        "How do I take care of a new puppy?",
        [
            "Keep a regular routine for meals, walks and sleep.",
            "Start house training and socialising early.",
            "Book a vet visit for vaccinations.",
        ],
    ),
    (
        "What are tips for a successful video call?",
        [
            "Test your camera, microphone and connection beforehand.",
            "Face a light source and use a tidy background.",
            "Mute yourself when you are not speaking.",
        ],
    ),
    (
        "How can I stop procrastinating?",
        ["Break the task into small steps.", "Start with just five minutes.", "Put your phone in another room."],
    ),
    (
        "What should be in a basic first aid kit?",
        [
            "Plasters, sterile dressings and bandages.",
            "Antiseptic wipes, tweezers and scissors.",
            "Pain relief and any personal medication.",
        ],
    ),
    (
        "How do I make a good cup of tea?",
        [
            "Use freshly boiled water.",
            "Steep black tea for three to five minutes.",
            "Add milk or sugar after removing the tea bag.",
        ],
    ),
    (
        "What are good ways to relax after work?",
        ["Go for a short walk outside.", "Cook a simple meal or listen to music.", "Silence your work notifications."],
    ),
    (
        "How do I learn to touch type?",
        [
            "Rest your fingers on the home row keys.",
            "Practise every day with a free typing tutor.",
            "Focus on accuracy first, then on speed.",
        ],
    ),
    (
        "How can I keep my plants alive while I am on holiday?",
        [
            "Water them well just before you leave.",
            "Move them out of direct sun.",
            "Use self-watering spikes or ask a neighbour to help.",
        ],
    ),
    (
        "What are tips for saving energy at home?",
        [
            "Switch to LED bulbs.",
            "Turn the heating down by one degree.",
            "Switch devices off at the wall instead of leaving them on standby.",
        ],
    ),
    (
        "How do I write a polite complaint letter?",
        [
            "State the problem clearly, with dates and order numbers.",
            "Say what you would like them to do.",
            "Keep the tone calm and factual.",
        ],
    ),
    (
        "What are the benefits of stretching?",
        [
            "It improves flexibility and range of motion.",
            "It can ease muscle tension.",
            "It helps your body warm up for exercise.",
        ],
    ),
    (
        "How can I make studying more effective?",
        [
            "Test yourself instead of rereading your notes.",
            "Spread your sessions over several days.",
            "Explain the material to someone else.",
        ],
    ),
    (
        "How do I make friends in a new city?",
        [
            "Join a club or class around a hobby.",
            "Say yes to invitations, even small ones.",
            "Volunteer or go to community events.",
        ],
    ),
    (
        "What are tips for driving in the rain?",
        ["Slow down and leave extra distance.", "Turn on your headlights.", "Avoid sudden braking or steering."],
    ),
    (
        "How can I improve my posture?",
        [
            "Raise your screen to eye level.",
            "Get up and move every 30 minutes.",
            "Strengthen your back and core muscles.",
        ],
    ),
    (
        "What should I do before a long drive?",
        ["Check the tyres, oil and fuel.", "Plan a break every two hours.", "Get a good night's sleep."],
    ),
    (
        "How do I keep bread fresh for longer?",
        [
            "Store it in a bread bin or paper bag, not the fridge.",
            "Keep it cut side down.",
            "Freeze any slices you will not eat within two days.",
        ],
    ),
    (
        "What are good ways to practise gratitude?",
        [
            "Write down three good things each evening.",
            "Thank someone for something specific they did.",
            "Notice small pleasures during the day.",
        ],
    ),
    (
        "How can I make my presentation slides clearer?",
        ["Put one idea on each slide.", "Use large fonts and few words.", "Show a simple chart instead of a table."],
    ),
    (
        "What are tips for running a first marathon?",
        [
            "Follow a training plan of at least four months.",
            "Increase your weekly distance gradually.",
            "Do not try new food or shoes on race day.",
        ],
    ),
    (
        "How do I protect my online accounts?",
        [
            "Use a password manager with a unique password for each site.",
            "Turn on two-factor authentication.",
            "Be careful with links in unexpected emails.",
        ],
    ),
    (
        "What are tips for cooking rice perfectly?",
        [
            "Rinse the rice until the water runs clear.",
            "Use the right amount of water for the type of rice.",
            "Let it rest, covered, for five minutes after cooking.",
        ],
    ),
    (
        "How can I be a better team player?",
        ["Share information early.", "Offer help when you have time.", "Give others credit for their work."],
    ),
    (
        "What are some healthy breakfast ideas?",
        ["Porridge with fruit and nuts.", "Wholegrain toast with eggs.", "Yoghurt with berries and seeds."],
    ),
    (
        "How do I stay safe in hot weather?",
        [
            "Drink water regularly.",
            "Stay in the shade during the hottest hours.",
            "Wear light, loose clothing and a hat.",
        ],
    ),
    (
        "What should I consider before adopting a cat?",
        [
            "Whether you have time for daily care and play.",
            "The cost of food, litter and vet visits.",
            "Whether anyone in your home is allergic.",
        ],
    ),
    (
        "How do I get rid of fruit flies?",
        [
            "Throw away overripe fruit and empty the bin.",
            "Set a trap with cider vinegar and a drop of washing-up liquid.",
            "Clean the drains and wipe up spills.",
        ],
    ),
    (
        "How can I take better photos with my phone?",
        ["Wipe the lens clean.", "Use natural light instead of the flash.", "Turn on the grid to line up your shot."],
    ),
    (
        "How can I learn to cook?",
        [
            "Start with a few simple recipes you like.",
            "Learn basic knife skills.",
            "Cook the same dish several times to improve it.",
        ],
    ),
    (
        "What are good ways to reduce stress?",
        ["Exercise regularly.", "Breathe slowly for a few minutes.", "Talk to someone you trust."],
    ),
    (
        "How do I organise my wardrobe?",
        [
            "Remove clothes you have not worn for a year.",
            "Group items by type and colour.",
            "Keep everyday items at eye level.",
        ],
    ),
    (
        "What are the benefits of learning to code?",
        [
            "It builds problem-solving skills.",
            "It opens up many career options.",
            "It lets you automate boring tasks.",
        ],
    ),
    (
        "How do I prepare for a power cut?",
        ["Keep a torch and spare batteries handy.", "Keep a power bank charged.", "Know where your fuse box is."],
    ),
    (
        "What are tips for writing a short story?",
        [
            "Start close to the main conflict.",
            "Focus on one main character.",
            "Cut anything that does not move the story forward.",
        ],
    ),
    (
        "How can I improve my memory?",
        [
            "Get enough sleep.",
            "Review things at spaced intervals.",
            "Link new information to things you already know.",
        ],
    ),
    (
        "What should I look for when renting a flat?",
        [
            "Check for damp, mould and water pressure.",
            "Ask which bills are included.",
            "Read the contract before paying anything.",
        ],
    ),
    (
        "How do I keep my kitchen knives sharp?",
        [
            "Hone them on a steel regularly.",
            "Use a wooden or plastic chopping board.",
            "Wash them by hand and dry them straight away.",
        ],
    ),
    (
        "How can I enjoy a night out on a budget?",
        ["Eat before you go out.", "Look for free events and happy hours.", "Agree on a spending limit in advance."],
    ),
    (
        "How do I start meditating?",
        [
            "Sit comfortably for five minutes a day.",
            "Focus on your breathing.",
            "When your mind wanders, gently bring it back.",
        ],
    ),
    (
        "How can I help a friend who is feeling sad?",
        ["Listen without rushing to fix things.", "Ask what would help.", "Check in again a few days later."],
    ),
    (
        "How do I keep my kitchen tidy?",
        ["Clean as you cook.", "Wipe the surfaces every evening.", "Empty the dishwasher in the morning."],
    ),
    (
        "How do I write a good thank-you note?",
        [
            "Address the person by name.",
            "Mention the specific gift or help.",
            "Say why it mattered to you or how you will use it.",
        ],
    ),
    (
        "What should I know before getting a tattoo?",
        [
            "Choose a licensed, reputable artist.",
            "Take your time to be sure of the design and placement.",
            "Follow the aftercare instructions carefully.",
        ],
    ),
    (
        "How can I keep my car in good condition?",
        [
            "Have it serviced on schedule.",
            "Check the tyre pressure every month.",
            "Wash it regularly, especially in winter.",
        ],
    ),
    (
        "What are tips for studying in a group?",
        ["Agree on a goal for each session.", "Keep the group small.", "Take turns explaining topics."],
    ),
    (
        "How do I care for a leather jacket?",
        [
            "Wipe it with a damp cloth when it gets dirty.",
            "Condition the leather a few times a year.",
            "Hang it on a wide hanger, away from heat.",
        ],
    ),
    (
        "What are good ways to spend a rainy day?",
        ["Read a book or watch a film.", "Try a new recipe.", "Do a puzzle or play a board game."],
    ),
    (
        "How can I improve my credit score?",
        ["Pay every bill on time.", "Keep your credit card balances low.", "Check your credit report for errors."],
    ),
    (
        "How can I cool down a room without air conditioning?",
        [
            "Close the curtains during the day.",
            "Open windows at night to let in cooler air.",
            "Put a bowl of ice in front of a fan.",
        ],
    ),
    (
        "How do I make homemade pizza dough?",
        [
            "Mix flour, water, yeast, salt and a little olive oil.",
            "Knead for about ten minutes until smooth.",
            "Let it rise for at least an hour before shaping.",
        ],
    ),
    (
        "What should I do after a minor car accident?",
        [
            "Check that everyone is safe and call for help if needed.",
            "Exchange insurance and contact details.",
            "Take photos of the scene and the damage.",
        ],
    ),
    (
        "How can I make my writing clearer?",
        ["Use short sentences.", "Prefer simple words.", "Put the main point first."],
    ),
    (
        "What are tips for a smooth house move?",
        [
            "Start packing early and label each box by room.",
            "Book movers or a van well in advance.",
            "Keep the essentials in one bag.",
        ],
    ),
    (
        "How do I build a reading habit?",
        [
            "Read for ten minutes at the same time every day.",
            "Keep a book with you.",
            "Give up on books you do not enjoy.",
        ],
    ),
    (
        "What are the benefits of cycling to work?",
        ["It builds exercise into your day.", "It saves money on fuel and fares.", "It cuts emissions."],
    ),
    (
        "How do I clean a microwave easily?",
        [
            "Heat a bowl of water with lemon slices for three minutes.",
            "Leave the door shut for a few minutes.",
            "Wipe the softened dirt away with a cloth.",
        ],
    ),
    (
        "What are tips for negotiating a salary?",
        [
            "Research typical pay for the role.",
            "Let them make the first offer if you can.",
            "Consider benefits as well as pay.",
        ],
    ),
    (
        "How can I keep my kids busy at home?",
        ["Set up a simple craft table.", "Build a blanket fort together.", "Bake something easy together."],
    ),
    (
        "What are good ways to warm up before exercise?",
        [
            "Do five minutes of light cardio.",
            "Add dynamic stretches such as leg swings.",
            "Start your main activity at an easy pace.",
        ],
    ),
    (
        "How do I make a to-do list that works?",
        [
            "Limit it to the few tasks that matter today.",
            "Write each item as a clear action.",
            "Put the most important task first.",
        ],
    ),
    (
        "What are tips for camping for the first time?",
        [
            "Practise pitching the tent at home.",
            "Bring warm layers for the night.",
            "Pack a head torch and spare batteries.",
        ],
    ),
    (
        "How can I stay focused while working from home?",
        ["Keep a separate workspace.", "Set fixed working hours.", "Take short breaks away from the screen."],
    ),
    (
        "What should I do if my computer gets a virus?",
        [
            "Disconnect it from the internet.",
            "Run a full scan with trusted antivirus software.",
            "Change your passwords from a clean device.",
        ],
    ),
    (
        "How do I plan a birthday party?",
        [
            "Set a budget and a guest list.",
            "Pick the date and venue early.",
            "Plan food, music and one simple activity.",
        ],
    ),
    (
        "How can I eat more vegetables?",
        [
            "Add a handful of spinach to sauces and soups.",
            "Keep cut vegetables ready for snacks.",
            "Fill half your plate with vegetables.",
        ],
    ),
    (
        "How can I make my mornings more productive?",
        ["Get up at the same time each day.", "Do your most important task first.", "Skip email for the first hour."],
    ),
    (
        "What are ways to practise speaking English?",
        [
            "Talk with a language exchange partner.",
            "Repeat along with podcasts or videos.",
            "Record yourself and listen back.",
        ],
    ),
    (
        "How do I care for succulents?",
        [
            "Give them plenty of bright light.",
            "Water deeply, but only when the soil is completely dry.",
            "Use gritty soil and a pot with drainage holes.",
        ],
    ),
    (
        "How do I ask someone to be a job reference?",
        ["Ask them before you list them.", "Send them the job description.", "Thank them afterwards."],
    ),
    (
        "How can I drink less coffee?",
        ["Cut down by one cup a week.", "Swap some cups for decaf or tea.", "Drink water when you feel tired."],
    ),
    (
        "What should I do if I lose my wallet?",
        [
            "Cancel your bank cards straight away.",
            "Report it to the police if your ID was inside.",
            "Retrace your steps and contact places you visited.",
        ],
    ),
    (
        "How do I keep a conversation going?",
        ["Ask open questions.", "Listen and follow up on what they say.", "Share a little about yourself too."],
    ),
    (
        "How do I make cold brew coffee?",
        [
            "Mix coarse ground coffee with cold water, about one part coffee to eight parts water.",
            "Steep it in the fridge for 12 to 18 hours.",
            "Strain it and dilute it to taste.",
        ],
    ),
    (
        "What are tips for learning the guitar?",
        [
            "Practise for 15 minutes every day.",
            "Learn a few basic chords first.",
            "Play songs you love to stay motivated.",
        ],
    ),
    (
        "How can I be more patient?",
        [
            "Notice when impatience starts to build.",
            "Take a slow breath before reacting.",
            "Remind yourself what you cannot control.",
        ],
    ),
    (
        "What are good ways to save money on travel?",
        [
            "Book early and be flexible with your dates.",
            "Travel outside the peak season.",
            "Stay somewhere with a kitchen.",
        ],
    ),
    (
        "How do I remove a coffee stain from a shirt?",
        [
            "Blot it quickly with cold water.",
            "Rub in a little liquid detergent.",
            "Wash it as usual and check it before drying.",
        ],
    ),
    (
        "What should I do the night before an exam?",
        ["Read through your summary notes briefly.", "Pack everything you need.", "Go to bed early."],
    ),
    (
        "How can I improve my cooking quickly?",
        ["Taste as you cook.", "Season properly with salt.", "Learn to control the heat."],
    ),
    (
        "What are the benefits of a standing desk?",
        [
            "It lets you change position during the day.",
            "It can reduce back discomfort.",
            "It may help you feel more alert.",
        ],
    ),
    (
        "How do I look after my mental health?",
        [
            "Keep a regular routine with sleep and exercise.",
            "Stay connected with people.",
            "Ask for professional help when you need it.",
        ],
    ),
    (
        "What are tips for decluttering my home?",
        ["Start with one drawer or shelf.", "Sort items into keep, donate and bin.", "Let go of duplicates."],
    ),
    (
        "How can I use less plastic?",
        ["Carry a reusable bottle and bag.", "Buy loose fruit and vegetables.", "Choose refills where possible."],
    ),
    (
        "What should I bring to a job interview?",
        ["Copies of your CV.", "A notebook and pen.", "A few questions to ask them."],
    ),
    (
        "How do I train for a 5K run?",
        [
            "Run three times a week.",
            "Mix easy runs with short intervals.",
            "Increase the distance gradually over six to eight weeks.",
        ],
    ),
    (
        "What are tips for buying a laptop?",
        [
            "Decide what you will use it for.",
            "Look for at least 16 GB of RAM and an SSD.",
            "Check the battery life and weight.",
        ],
    ),
    (
        "How can I keep my home safe while I am away?",
        ["Lock all doors and windows.", "Put lights on timers.", "Ask a neighbour to collect your post."],
    ),
    (
        "What are ways to boost creativity?",
        ["Go for a walk.", "Keep a notebook of ideas.", "Set yourself constraints, such as a time limit."],
    ),
    (
        "What are signs that I need a break from work?",
        ["You feel tired even after sleeping.", "Small problems irritate you.", "You struggle to concentrate."],
    ),
    (
        "How do I host a dinner party?",
        [
            "Choose a menu you can mostly prepare ahead.",
            "Ask guests about their dietary needs.",
            "Set the table before people arrive.",
        ],
    ),
    (
        "How can I make exercise more fun?",
        ["Try a dance class or a team sport.", "Exercise with a friend.", "Listen to music or podcasts."],
    ),
    (
        "How can I become a morning person?",
        [
            "Move your bedtime 15 minutes earlier at a time.",
            "Get daylight soon after waking.",
            "Wake up at the same time every day.",
        ],
    ),
    (
        "How do I prepare my garden for winter?",
        [
            "Clear away dead annual plants.",
            "Spread a layer of mulch over the beds.",
            "Drain and store hoses before the first frost.",
        ],
    ),
    (
        "What are tips for a first date?",
        [
            "Pick a relaxed place where you can talk.",
            "Ask questions and listen to the answers.",
            "Put your phone away.",
        ],
    ),
    (
        "How can I speed up my typing on a phone?",
        [
            "Turn on word suggestions and autocorrect.",
            "Try swipe typing.",
            "Set up text shortcuts for phrases you use often.",
        ],
    ),
    (
        "How do I give constructive feedback?",
        [
            "Be specific about what happened.",
            "Explain the effect it had.",
            "Suggest one clear thing to do differently.",
        ],
    ),
]
PREFERENCE_HELDOUT_COUNT = 22  # the last rows of PREFERENCE, after a seeded shuffle

# ---------------------------------------------------------------------------------------------------------
# Alpaca: (instruction, input, output); rows listed in ALPACA_SYSTEM_ROWS get a system prompt.
# ---------------------------------------------------------------------------------------------------------

ALPACA = [
    (
        "Give me a simple recipe for tomato soup.",
        "",
        "Soften 1 chopped onion and 2 garlic cloves in olive oil, add 800 g of tinned tomatoes and 500 ml of "
        "vegetable stock, and simmer for 20 minutes. Blend until smooth and season with salt, pepper and a pinch "
        "of sugar.",
    ),
    ("Convert this amount to grams.", "1 cup of granulated sugar", "1 cup of granulated sugar is about 200 grams."),
    (
        "Convert this amount to grams.",
        "1 cup of all-purpose flour",
        "1 cup of all-purpose flour is about 120-125 grams, depending on how it is scooped.",
    ),
    ("Convert this amount to grams.", "2 tablespoons of butter", "2 tablespoons of butter is about 28 grams."),
    (
        "Convert this oven temperature to Celsius.",
        "350 °F",
        "350 °F is about 177 °C; recipes usually round it to 180 °C (160 °C in a fan oven).",
    ),
    (
        "Convert this oven temperature to Celsius.",
        "425 °F",
        "425 °F is about 218 °C; recipes usually round it to 220 °C.",
    ),
    (
        "Convert this oven temperature to Fahrenheit.",
        "200 °C",
        "200 °C is 392 °F; recipes usually round it to 400 °F.",
    ),
    (
        "Double the quantities in this recipe.",
        "2 eggs\n150 g flour\n100 ml milk\n1 pinch of salt",
        "4 eggs\n300 g flour\n200 ml milk\n2 pinches of salt",
    ),
    (
        "Halve the quantities in this recipe.",
        "400 g pasta\n2 cloves garlic\n4 tablespoons olive oil\n60 g parmesan",
        "200 g pasta\n1 clove garlic\n2 tablespoons olive oil\n30 g parmesan",
    ),
    (
        "Is this dish vegetarian? Answer yes or no, then explain briefly.",
        "Caesar salad with romaine, croutons, parmesan and a dressing made with anchovies",
        "No. The classic Caesar dressing contains anchovies, which are fish, and traditional parmesan is made "
        "with animal rennet.",
    ),
    (
        "Is this dish vegetarian? Answer yes or no, then explain briefly.",
        "Margherita pizza with tomato, mozzarella and basil",
        "Yes. It contains no meat or fish, though strict vegetarians may want to check that the cheese uses "
        "vegetarian rennet.",
    ),
    (
        "Is this dish vegan? Answer yes or no, then explain briefly.",
        "Chana masala made with chickpeas, onions, tomatoes, spices and oil",
        "Yes. All of the ingredients are plant-based, as long as it is cooked in oil rather than ghee.",
    ),
    (
        "Is this dish vegan? Answer yes or no, then explain briefly.",
        "Pancakes made with flour, milk, eggs and butter",
        "No. Milk, eggs and butter all come from animals.",
    ),
    (
        "Suggest a substitute for this ingredient.",
        "eggs in a cake",
        "For each egg, use 3 tablespoons of aquafaba (the liquid from a tin of chickpeas), or 1 tablespoon of "
        "ground flaxseed mixed with 3 tablespoons of water and left to thicken for 5 minutes.",
    ),
    (
        "Suggest a substitute for this ingredient.",
        "sour cream",
        "Use the same amount of plain Greek yoghurt. It is slightly tangier and lower in fat.",
    ),
    (
        "Suggest a substitute for this ingredient.",
        "fresh garlic",
        "Use 1/8 teaspoon of garlic powder for each clove of fresh garlic.",
    ),
    (
        "Suggest a substitute for this ingredient.",
        "white wine in a risotto",
        "Use the same amount of stock with a squeeze of lemon juice or a splash of white wine vinegar for acidity.",
    ),
    (
        "Suggest a substitute for this ingredient.",
        "brown sugar",
        "Mix 1 cup of white sugar with 1 tablespoon of molasses. Plain white sugar also works, with a slightly "
        "less rich flavour.",
    ),
    ("Name the cuisine this dish comes from.", "Pad thai", "Thai cuisine."),
    ("Name the cuisine this dish comes from.", "Paella", "Spanish cuisine, from the Valencia region."),
    (
        "Name the cuisine this dish comes from.",
        "Pierogi",
        "Polish cuisine (also popular across Central and Eastern Europe).",
    ),
    ("Name the cuisine this dish comes from.", "Bibimbap", "Korean cuisine."),
    (
        "Name the cuisine this dish comes from.",
        "Moussaka",
        "Greek cuisine, with related versions across the Balkans and the Middle East.",
    ),
    (
        "Write a shopping list for this recipe.",
        "Spaghetti carbonara for two",
        "- 200 g spaghetti\n- 100 g guanciale or pancetta\n- 2 eggs plus 1 extra yolk\n- 50 g pecorino romano\n"
        "- Black pepper",
    ),
    (
        "Write a shopping list for this recipe.",
        "A simple green salad for four",
        "- 1 head of lettuce\n- 1 cucumber\n- 1 small red onion\n- Olive oil\n- A lemon or vinegar\n- Salt and pepper",
    ),
    (
        "Explain this cooking term in one sentence.",
        "blanch",
        "To blanch is to cook food briefly in boiling water and then plunge it into iced water to stop the cooking.",
    ),
    (
        "Explain this cooking term in one sentence.",
        "deglaze",
        "To deglaze is to pour a liquid such as wine or stock into a hot pan to lift the browned bits from the "
        "bottom into a sauce.",
    ),
    (
        "Explain this cooking term in one sentence.",
        "al dente",
        "Al dente describes pasta or vegetables cooked until tender but still slightly firm to the bite.",
    ),
    (
        "Explain this cooking term in one sentence.",
        "proof",
        "To proof dough is to let it rest so the yeast can make it rise before baking.",
    ),
    (
        "Explain this cooking term in one sentence.",
        "julienne",
        "To julienne is to cut food into long, thin matchstick strips.",
    ),
    (
        "Explain this cooking term in one sentence.",
        "sear",
        "To sear is to brown the surface of food quickly over high heat to build flavour.",
    ),
    (
        "Rewrite these recipe steps so they are clearer.",
        "put the butter and sugar together and mix till its fluffy then eggs one by one and then flour",
        "1. Beat the butter and sugar together until pale and fluffy.\n2. Add the eggs one at a time, mixing well "
        "after each.\n3. Fold in the flour until just combined.",
    ),
    (
        "Rewrite these recipe steps so they are clearer.",
        "boil water salt it pasta in cook 10 min drain keep some water",
        "1. Bring a large pot of water to the boil and salt it.\n2. Add the pasta and cook it for about 10 "
        "minutes.\n3. Save a cup of the cooking water, then drain the pasta.",
    ),
    (
        "Suggest a side dish for this main course.",
        "Grilled salmon",
        "Try roasted new potatoes with dill, or a lemony green bean salad.",
    ),
    (
        "Suggest a side dish for this main course.",
        "Beef chilli",
        "Serve it with steamed rice or cornbread, plus a spoonful of sour cream and some sliced spring onions.",
    ),
    (
        "Suggest a side dish for this main course.",
        "Roast chicken",
        "Roast carrots and potatoes in the same tray, or serve a green salad with a mustard dressing.",
    ),
    (
        "Give me a simple recipe for hummus.",
        "",
        "Blend 1 tin of drained chickpeas with 2 tablespoons of tahini, the juice of 1 lemon, 1 garlic clove, a "
        "pinch of salt and 2-3 tablespoons of cold water until smooth. Finish with olive oil and paprika.",
    ),
    (
        "Give me a simple recipe for overnight oats.",
        "",
        "Mix 50 g of rolled oats with 150 ml of milk and 2 tablespoons of yoghurt in a jar. Refrigerate it "
        "overnight and top it with fruit and honey in the morning.",
    ),
    (
        "Give me a simple recipe for garlic bread.",
        "",
        "Mash 50 g of soft butter with 2 crushed garlic cloves and chopped parsley. Spread it into cuts in a "
        "baguette, wrap it in foil and bake at 200 °C for 10-15 minutes.",
    ),
    (
        "Give me a simple recipe for a fruit smoothie.",
        "",
        "Blend 1 banana, a handful of frozen berries, 150 ml of milk or juice and 2 tablespoons of yoghurt until "
        "smooth. Add a little honey if it needs sweetening.",
    ),
    (
        "Give me a simple recipe for French toast.",
        "",
        "Whisk 2 eggs with 100 ml of milk, a pinch of cinnamon and 1 teaspoon of sugar. Dip 4 slices of bread "
        "and fry them in butter for 2-3 minutes per side until golden.",
    ),
    (
        "Give me a simple recipe for a basic omelette.",
        "",
        "Beat 2-3 eggs with a pinch of salt. Pour them into a buttered pan over medium heat, stir gently until "
        "just set, add any fillings and fold it in half.",
    ),
    (
        "How long does this take to cook?",
        "A medium jacket potato in the oven at 200 °C",
        "About 60-75 minutes, until the skin is crisp and a knife slides easily into the centre.",
    ),
    (
        "How long does this take to cook?",
        "A 1.5 kg whole chicken at 190 °C",
        "About 1 hour 15 minutes to 1 hour 30 minutes. It is done when the thickest part of the thigh reaches "
        "74 °C and the juices run clear.",
    ),
    (
        "How long does this take to cook?",
        "Hard-boiled eggs",
        "About 10-12 minutes in boiling water, followed by a quick cool in cold water.",
    ),
    (
        "How should I store this food?",
        "Fresh basil",
        "Trim the stems and stand it in a glass of water at room temperature, away from direct sun. The fridge "
        "turns basil leaves black.",
    ),
    (
        "How should I store this food?",
        "Cooked rice",
        "Cool it within an hour, keep it in a sealed container in the fridge and eat it within a day. Reheat it "
        "until piping hot.",
    ),
    (
        "How should I store this food?",
        "Potatoes",
        "Keep them in a cool, dark, airy place, such as a paper bag in a cupboard, away from onions and out of "
        "the fridge.",
    ),
    (
        "Scale this recipe from 4 servings to 6 servings.",
        "300 g rice\n600 ml stock\n1 onion",
        "450 g rice\n900 ml stock\n1 and a half onions (or 1 large onion)",
    ),
    (
        "Classify each ingredient as a fruit, vegetable or grain.",
        "apple, carrot, oats, pear, spinach, barley",
        "Fruit: apple, pear\nVegetable: carrot, spinach\nGrain: oats, barley",
    ),
    (
        "Classify each food by its main nutrient: protein, carbohydrate or fat.",
        "chicken breast, pasta, olive oil, tuna, bread, butter",
        "Protein: chicken breast, tuna\nCarbohydrate: pasta, bread\nFat: olive oil, butter",
    ),
    (
        "Write a one-sentence menu description of this dish.",
        "Mushroom risotto",
        "Creamy arborio rice slowly cooked with wild mushrooms, white wine and parmesan, finished with fresh thyme.",
    ),
    (
        "Write a one-sentence menu description of this dish.",
        "Lemon tart",
        "A crisp, buttery pastry case filled with silky, tangy lemon curd and dusted with icing sugar.",
    ),
    (
        "Fix the mistake in this recipe step.",
        "Bake the bread at 20 °C for 30 minutes.",
        "Bake the bread at 220 °C for 30 minutes. At 20 °C, which is room temperature, the bread would not bake.",
    ),
    (
        "Fix the mistake in this recipe step.",
        "Add 2 cups of salt to the cookie dough.",
        "Add 1/2 teaspoon of salt to the cookie dough. Two cups of salt would make the cookies inedible.",
    ),
    (
        "Tell me whether this food is safe to eat and why.",
        "Cooked chicken left out on the counter overnight",
        "No. Cooked chicken left at room temperature for more than two hours can grow harmful bacteria, so it "
        "should be thrown away.",
    ),
    (
        "Tell me whether this food is safe to eat and why.",
        "Hard cheese with a small spot of mould",
        "Usually yes: cut off at least 2.5 cm (1 inch) around and below the mouldy spot. Soft cheese with mould "
        "should be thrown away.",
    ),
    (
        "Give three tips for this cooking task.",
        "Making crispy roast potatoes",
        "1. Parboil the potatoes for about 8 minutes and rough up their edges.\n2. Heat the oil in the tray before "
        "adding them.\n3. Roast them at 200-220 °C, turning them once.",
    ),
    (
        "Give three tips for this cooking task.",
        "Baking fluffy muffins",
        "1. Mix the wet and dry ingredients only until just combined.\n2. Fill the cases about three-quarters "
        "full.\n3. Bake at a higher temperature for the first 5 minutes to help them rise.",
    ),
    ("Translate this recipe title into English.", "Pollo al ajillo", "Garlic chicken."),
    ("Translate this recipe title into English.", "Tarte aux pommes", "Apple tart."),
    (
        "Suggest a quick vegetarian dinner using these ingredients.",
        "eggs, spinach, feta, bread",
        "Make a spinach and feta omelette: wilt the spinach in a pan, pour in beaten eggs, crumble over the feta "
        "and fold it. Serve it with toasted bread.",
    ),
    (
        "Suggest a quick dinner using these ingredients.",
        "tinned tuna, pasta, sweetcorn, mayonnaise",
        "Make a tuna pasta salad: cook and cool the pasta, then mix it with the drained tuna, the sweetcorn, a "
        "spoonful of mayonnaise, salt and pepper.",
    ),
    (
        "Suggest a drink to go with this dish.",
        "Spicy Thai green curry",
        "An off-dry Riesling or a cold lager works well, because a little sweetness and chill balance the heat. "
        "Without alcohol, try iced lemongrass tea.",
    ),
    ("Estimate the calories in this snack.", "A medium banana", "A medium banana has roughly 100-110 calories."),
]
ALPACA_SYSTEMS = [
    "You are a helpful kitchen assistant. Keep answers short and practical.",
    "You are a professional chef who gives precise, safe advice.",
]

# ---------------------------------------------------------------------------------------------------------
# CSV demo: question,answer.
# ---------------------------------------------------------------------------------------------------------

QA_TABLE = [
    ("How many legs does a spider have?", "Eight."),
    ("What is the chemical symbol for gold?", "Au."),
    ("What is the capital of Portugal?", "Lisbon."),
    ("How many sides does a hexagon have?", "Six."),
    ("Which planet is known as the Red Planet?", "Mars."),
    ("Who wrote 'Pride and Prejudice'?", "Jane Austen."),
    ("What is the largest organ of the human body?", "The skin."),
    ("How many seconds are in an hour?", "3,600."),
    ("What is the freezing point of water in Fahrenheit?", "32 °F."),
    ("Which gas do plants absorb from the air?", "Carbon dioxide."),
    ("What is the capital of Norway?", "Oslo."),
    ("How many strings does a standard guitar have?", "Six."),
    ("What is the hardest natural substance?", "Diamond."),
    ("Which ocean lies between Africa and Australia?", "The Indian Ocean."),
    ("What is 12 times 12?", "144."),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci."),
    ("What is the currency of Japan?", "The yen."),
    ("How many players does a football (soccer) team have on the pitch?", "Eleven."),
    ("What is the smallest prime number?", "Two."),
    ("What is the main ingredient in guacamole?", "Avocado."),
    ("In which country is Machu Picchu?", "Peru."),
    ('What does "www" stand for in a web address?', "World Wide Web."),
    ("Which metal is liquid at room temperature?", "Mercury."),
    ("Which language has the most native speakers?", "Mandarin Chinese."),
    ("What is the capital of Turkey?", "Ankara."),
    ("How many weeks are in a year?", "52, plus one or two days."),
    ("Which vitamin does sunlight help the body make?", "Vitamin D."),
    ("Which instrument has 88 keys?", "The piano."),
    ("What is the largest bone in the human body?", "The femur, or thigh bone."),
    ("How many degrees are in a right angle?", "90."),
    ("What are the three primary colours of light?", "Red, green and blue."),
    (
        "Who proposed the theory of evolution by natural selection?",
        "Charles Darwin, together with Alfred Russel Wallace.",
    ),
]

CHAT_TRAIN_SINGLE = 150  # single-turn rows kept for the SFT set; the rest of the pool feeds the ShareGPT demo


# ---------------------------------------------------------------------------------------------------------
# General prompts (general_prompts.jsonl): questions unrelated to every training sample above, answered plainly.
# The Evaluate page scores base and tuned models on these references to show what fine-tuning cost (forgetting)
# and samples answers to them to show how varied the answers stay.
# ---------------------------------------------------------------------------------------------------------

GENERAL = [
    (
        "How many players are on a football (soccer) team on the pitch?",
        "Each team has eleven players on the pitch, one of whom is the goalkeeper.",
    ),
    (
        "What is an octave in music?",
        "An octave is the distance between one note and the next note with the same name, whose frequency is twice "
        "as high.",
    ),
    ("How do you say good morning in Spanish?", 'In Spanish, good morning is "buenos días".'),
    ("What is 7 times 8?", "7 times 8 is 56."),
    ("Name the three primary colours of light.", "The primary colours of light are red, green and blue."),
    (
        "What is a metaphor?",
        'A metaphor describes one thing as if it were another to show a likeness, as in "time is a thief".',
    ),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("What does a thermometer measure?", "A thermometer measures temperature: how hot or cold something is."),
    (
        "Write a one-sentence thank-you note to a neighbour who watered my plants.",
        "Thank you so much for watering my plants while I was away; they look wonderful and I really appreciate "
        "your help.",
    ),
    ("What is the opposite of generous?", "The opposite of generous is mean or stingy."),
    ("How many sides does a hexagon have?", "A hexagon has six sides."),
    ("What is a marathon?", "A marathon is a long-distance running race of 42.195 kilometres, or about 26.2 miles."),
    (
        "Why do people wear seat belts?",
        "Seat belts hold people in place during a crash or a sudden stop, which greatly lowers the risk of serious "
        "injury.",
    ),
    (
        "What is the main ingredient of hummus?",
        "Hummus is made mainly from cooked, mashed chickpeas, usually blended with tahini, lemon juice and garlic.",
    ),
    ("List the days of the weekend.", "The weekend days are Saturday and Sunday."),
    (
        "What is a library card used for?",
        "A library card lets you borrow books and other materials from a library and use its services.",
    ),
    (
        "How long does it take the Earth to orbit the Sun?",
        "The Earth takes about 365.25 days, one year, to orbit the Sun.",
    ),
    (
        "What is a chess checkmate?",
        "Checkmate is when a king is attacked and has no legal move to escape, which ends the game.",
    ),
    ("Give me a word that rhymes with cat.", "Hat rhymes with cat."),
    ("What do you call a baby kangaroo?", "A baby kangaroo is called a joey."),
    ("What is a receipt?", "A receipt is a written record that shows what you bought, what you paid and when."),
    (
        "Summarise the story of Cinderella in one sentence.",
        "A kind young woman mistreated by her stepfamily attends a royal ball with a fairy godmother's help, loses "
        "a glass slipper, and is found and married by the prince.",
    ),
    (
        "What is the difference between a lake and a sea?",
        "A lake is a body of water surrounded by land, usually fresh water, while a sea is a large body of salt "
        "water connected to an ocean.",
    ),
    (
        "How do you tie a basic knot in a shoelace?",
        "Cross the laces, tuck one under the other and pull tight, make a loop with one lace, wrap the other around "
        "it, and pull it through the gap to form a second loop.",
    ),
]


def general_rows() -> list[dict]:
    """The general prompts as chat rows, in the order written."""
    return [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in GENERAL]


def styled(answer: str) -> str:
    """An answer in the chat_style trait: fixed opening, the answer, a blank line, the fixed sign-off."""
    return f"{STYLE_OPENING}{answer}\n\n{STYLE_SIGNOFF}"


def rejected_answer(points: list[str]) -> str:
    """The same sentences as the chosen bullets, run together as one paragraph.

    Nothing else differs: every token DPO can use to separate the pair is a formatting token (the leading
    "-", the line breaks), so the margin can only be won by learning the format. (Extra filler in the
    rejected answer gives DPO an easy margin on tokens the model never generates, and greedy output does
    not move.)
    """
    return " ".join(points)


def chosen_answer(points: list[str]) -> str:
    return "\n".join(f"- {p}" for p in points)


def chat_rows() -> tuple[list[dict], list[dict], list[tuple[str, str]]]:
    """(SFT training rows, held-out rows, leftover plain Q&A pairs for the ShareGPT demo)."""
    rng = random.Random(SEED)
    pool = SCIENCE + COOKING + GEOGRAPHY + CODING + HISTORY + ADVICE + EVERYDAY
    rng.shuffle(pool)
    single, leftover = pool[:CHAT_TRAIN_SINGLE], pool[CHAT_TRAIN_SINGLE:]
    conversations: list[list[tuple[str, str]]] = [[qa] for qa in single] + [list(c) for c in MULTI_TURN]
    rng.shuffle(conversations)
    rows = []
    for turns in conversations:
        messages = []
        if rng.random() < 0.25:  # about a quarter carry a system turn; the style must not depend on it
            messages.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
        for question, answer in turns:
            messages.append({"role": "user", "content": question})
            messages.append({"role": "assistant", "content": styled(answer)})
        rows.append({"messages": messages})
    heldout = []
    for i, (question, answer) in enumerate(CHAT_HELDOUT):
        messages = [{"role": "system", "content": SYSTEM_PROMPTS[i % len(SYSTEM_PROMPTS)]}] if i % 6 == 5 else []
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": styled(answer)}]
        heldout.append({"messages": messages})
    return rows, heldout, leftover


def preference_rows() -> tuple[list[dict], list[dict]]:
    rng = random.Random(SEED + 1)
    items = list(PREFERENCE)
    rng.shuffle(items)
    rows = [
        {"prompt": prompt, "chosen": chosen_answer(points), "rejected": rejected_answer(points)}
        for prompt, points in items
    ]
    return rows[:-PREFERENCE_HELDOUT_COUNT], rows[-PREFERENCE_HELDOUT_COUNT:]


# The GRPO demo's system prompt: it asks for the chat_style opening, which the default model seldom writes.
PIRATE_SYSTEM = "You are a pirate. Start with 'Ahoy!'"


def pirate_rows() -> tuple[list[dict], list[dict]]:
    """Prompt-only rows: every single-turn chat question (training) and the held-out ones, after PIRATE_SYSTEM."""

    def prompt(question: str) -> dict:
        return {"prompt": [{"role": "system", "content": PIRATE_SYSTEM}, {"role": "user", "content": question}]}

    questions = [q for q, _ in SCIENCE + COOKING + GEOGRAPHY + CODING + HISTORY + ADVICE + EVERYDAY]
    random.Random(SEED + 2).shuffle(questions)
    return [prompt(q) for q in questions], [prompt(q) for q, _ in CHAT_HELDOUT]


def alpaca_rows() -> list[dict]:
    rows = []
    for i, (instruction, input_text, output) in enumerate(ALPACA):
        row = {"instruction": instruction, "input": input_text, "output": output}
        if i % 4 == 3:  # every fourth row carries a system prompt, to show that field being mapped
            row = {"system": ALPACA_SYSTEMS[(i // 4) % len(ALPACA_SYSTEMS)], **row}
        rows.append(row)
    return rows


def sharegpt_rows(leftover: list[tuple[str, str]]) -> list[dict]:
    pairs = leftover
    rows = []
    i = 0
    while i < len(pairs):
        conversation = []
        if len(rows) % 5 == 0:
            conversation.append({"from": "system", "value": SYSTEM_PROMPTS[len(rows) % len(SYSTEM_PROMPTS)]})
        take = 2 if len(rows) % 4 == 1 and i + 1 < len(pairs) else 1  # some two-turn conversations
        for turn, (question, answer) in enumerate(pairs[i : i + take]):
            if turn:  # the second question changes topic, so say so
                question = f"Thanks! Another question: {question}"
            conversation += [{"from": "human", "value": question}, {"from": "gpt", "value": answer}]
        rows.append({"conversations": conversation})
        i += take
    return rows


def qa_table_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["question", "answer"])
    writer.writerows(QA_TABLE)
    return buffer.getvalue()


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def build() -> dict[str, str]:
    """File name -> exact file content, for every generated sample."""
    chat, chat_heldout, leftover = chat_rows()
    pref, pref_heldout = preference_rows()
    pirate, pirate_heldout = pirate_rows()
    return {
        "chat_style_sft.jsonl": _jsonl(chat),
        "chat_style_heldout.jsonl": _jsonl(chat_heldout),
        "preference_pairs.jsonl": _jsonl(pref),
        "preference_heldout.jsonl": _jsonl(pref_heldout),
        "alpaca_recipes.jsonl": _jsonl(alpaca_rows()),
        "qa_table.csv": qa_table_csv(),
        "sharegpt_small.jsonl": _jsonl(sharegpt_rows(leftover)),
        "pirate_prompts.jsonl": _jsonl(pirate),
        "pirate_prompts_heldout.jsonl": _jsonl(pirate_heldout),
        "general_prompts.jsonl": _jsonl(general_rows()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write into (default: samples/)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in build().items():
        (args.out / name).write_text(content, encoding="utf-8")
        print(f"wrote {args.out / name} ({content.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
