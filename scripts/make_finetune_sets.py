"""Write the built-in fine-tuning data sets in assets/finetune/ (run once; the output is committed).

- pirate.jsonl: everyday questions answered in pirate speak. The plain answers are written here by
  hand; a fixed word list turns them into pirate speak, so the style has countable markers
  ("arr", "matey", "ye", "aye") that the eval script measures before and after fine-tuning.
- concepts.jsonl: short questions and answers about the ideas this playground shows.
- haiku.jsonl: topics answered with a three-line haiku.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from finetune_texts import CONCEPTS, HAIKU

OUT = Path(__file__).resolve().parent.parent / "assets" / "finetune"

PLAIN = [
    ("What is the capital of France?", "The capital of France is Paris."),
    ("How many days are in a week?", "There are seven days in a week."),
    ("What color is the sky on a clear day?", "The sky is blue on a clear day."),
    ("What do bees make?", "Bees make honey from the nectar of flowers."),
    ("How do I boil an egg?", "Put the egg in boiling water for about nine minutes, then cool it."),
    ("What is the largest ocean?", "The Pacific is the largest ocean on Earth."),
    ("Why do we need sleep?", "Sleep lets the body rest and the brain store what it learned."),
    ("What is two plus two?", "Two plus two is four."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("What is the tallest mountain?", "Mount Everest is the tallest mountain above sea level."),
    ("What is water made of?", "Water is made of hydrogen and oxygen."),
    ("How can I stay healthy?", "Eat well, move every day, and get enough sleep."),
    ("What is the fastest land animal?", "The cheetah is the fastest land animal."),
    ("Where does the sun rise?", "The sun rises in the east."),
    ("What do plants need to grow?", "Plants need light, water and good soil to grow."),
    ("How many continents are there?", "There are seven continents."),
    ("What is the moon?", "The moon is a rocky world that circles the Earth."),
    ("What is a computer?", "A computer is a machine that follows instructions to work with data."),
    ("Can you recommend a good book?", "Treasure Island is a fine tale of adventure at sea."),
    ("What is the weather like today?", "I cannot see the sky, but I hope the weather is fair."),
    ("How do I make tea?", "Pour hot water over the tea leaves and wait a few minutes."),
    (
        "What is the boiling point of water?",
        "Water boils at one hundred degrees Celsius at sea level.",
    ),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."),
    ("What is gold?", "Gold is a precious yellow metal that does not rust."),
    ("How far is the moon?", "The moon is about three hundred eighty thousand kilometres away."),
    ("What is a ship?", "A ship is a large boat that carries people or goods across the sea."),
    ("What is the biggest animal?", "The blue whale is the biggest animal that ever lived."),
    ("How do birds fly?", "Birds flap their wings to push air down and lift themselves up."),
    ("What should I eat for breakfast?", "Try some bread, fruit and a warm drink for breakfast."),
    ("What is a map?", "A map is a drawing that shows where places are."),
    ("How do I learn to swim?", "Start in shallow water and practise floating and kicking."),
    ("What is rain?", "Rain is water that falls from the clouds."),
    ("Why is the sea salty?", "Rivers carry salt from rocks into the sea, and it stays there."),
    ("What is a star?", "A star is a huge ball of hot gas that shines with its own light."),
    ("How many hours are in a day?", "There are twenty four hours in a day."),
    ("What is a friend?", "A friend is someone who cares about you and stands by you."),
    ("How do I save money?", "Spend less than you earn and put a little aside each week."),
    ("What is the capital of Spain?", "The capital of Spain is Madrid."),
    ("What is the capital of Italy?", "The capital of Italy is Rome."),
    ("What is the capital of Japan?", "The capital of Japan is Tokyo."),
    ("What do cats like to eat?", "Cats like to eat fish and meat."),
    ("What is a compass for?", "A compass points north, so you can find your way."),
    ("How do I tie a knot?", "Cross the ends of the rope, loop one under, and pull tight."),
    ("What is thunder?", "Thunder is the sound of air heated by lightning."),
    ("What is an island?", "An island is land with water all around it."),
    ("How do I get better at drawing?", "Draw a little every day and look closely at real things."),
    ("What is music?", "Music is sound arranged in time to make a song or a tune."),
    ("What is the largest planet?", "Jupiter is the largest planet in our solar system."),
    ("How old is the Earth?", "The Earth is about four and a half billion years old."),
    ("What is a volcano?", "A volcano is a mountain where hot melted rock comes out."),
    ("How do fish breathe?", "Fish breathe with gills that take oxygen from the water."),
    ("What is a storm?", "A storm is strong wind with rain, thunder or snow."),
    ("How should I greet someone?", "Smile, say hello, and ask how they are."),
    ("What is a parrot?", "A parrot is a bright bird that can copy words."),
    ("What is bread made of?", "Bread is made of flour, water, salt and yeast."),
    ("How do I make a good impression?", "Be kind, listen well, and keep your word."),
    ("What is a treasure?", "A treasure is something very valuable, like gold or jewels."),
    ("Why do leaves fall in autumn?", "Trees drop their leaves to save water through the winter."),
    ("What is the wind?", "Wind is air moving from one place to another."),
    ("What is a good name for a dog?", "Captain is a fine name for a brave dog."),
    ("How do I cook rice?", "Simmer one cup of rice in two cups of water until it is soft."),
    ("What is a river?", "A river is fresh water flowing across the land to the sea."),
    ("What time is it?", "I do not have a clock, but it is always a good time to learn."),
    (
        "What is the best way to travel?",
        "The best way to travel is the one that lets you see the world.",
    ),
    ("How can I be more patient?", "Breathe slowly, wait a moment, and think before you act."),
    ("What is an apple?", "An apple is a sweet round fruit that grows on trees."),
    (
        "How many players are on a football team?",
        "A football team has eleven players on the field.",
    ),
    ("What is snow?", "Snow is frozen water that falls as soft white flakes."),
    ("What is a lighthouse?", "A lighthouse is a tower with a bright light that guides ships."),
    ("How do I write a letter?", "Greet the reader, say what you mean, and sign your name."),
    ("What is a good hobby?", "Sailing, reading and cooking are all good hobbies."),
    (
        "Why do we have seasons?",
        "The Earth is tilted, so each half gets more sun at different times.",
    ),
    ("What is a desert?", "A desert is a dry place that gets very little rain."),
    ("How do I clean my room?", "Put things back where they belong, then sweep the floor."),
    ("What is a rainbow?", "A rainbow is sunlight split into colours by drops of rain."),
    ("What language is spoken in Brazil?", "Portuguese is spoken in Brazil."),
    ("What is the sun?", "The sun is the star at the centre of our solar system."),
    ("How do I stay calm?", "Take a deep breath and count slowly to ten."),
    ("What is a pencil?", "A pencil is a stick of wood with graphite inside for writing."),
    ("What is the opposite of hot?", "The opposite of hot is cold."),
    ("How do plants make food?", "Plants use sunlight to turn water and air into sugar."),
    ("What is a doctor?", "A doctor is a person who helps sick people get well."),
    ("Can you tell me a joke?", "Why did the sailor bring a bar of soap? To wash ashore."),
    ("What is a wave?", "A wave is water lifted and moved by the wind."),
    ("How do I make friends?", "Be friendly, share your time, and listen to others."),
    ("What is a key?", "A key is a small piece of metal that opens a lock."),
    ("What do cows eat?", "Cows eat grass and hay."),
    (
        "What is the speed of light?",
        "Light travels about three hundred thousand kilometres a second.",
    ),
    ("How do I learn a new language?", "Practise a little every day and speak with others."),
    ("What is a holiday?", "A holiday is a day of rest or celebration."),
    ("What is a cloud?", "A cloud is a mass of tiny water drops floating in the sky."),
    ("How many months are in a year?", "There are twelve months in a year."),
    ("What is chocolate made from?", "Chocolate is made from the beans of the cacao tree."),
    ("What is the best drink on a hot day?", "Cool water is the best drink on a hot day."),
    ("What is a harbour?", "A harbour is a sheltered place where ships can stay safe."),
    ("How do I fix a flat tyre?", "Find the hole, patch it, and pump the tyre up again."),
    ("What is a museum?", "A museum is a building full of old and interesting things."),
    (
        "What is a good way to end the day?",
        "Look back on what went well and get a good night of sleep.",
    ),
    ("What is an octopus?", "An octopus is a clever sea creature with eight arms."),
    ("Why should I read books?", "Books let you learn new things and visit other worlds."),
]

# Word swaps applied in order; \b keeps them to whole words. Kept small and readable on purpose.
PIRATE_WORDS = [
    (r"\byou are\b", "ye be"),
    (r"\bYou are\b", "Ye be"),
    (r"\bare\b", "be"),
    (r"\bis\b", "be"),
    (r"\byour\b", "yer"),
    (r"\bYour\b", "Yer"),
    (r"\byou\b", "ye"),
    (r"\bYou\b", "Ye"),
    (r"\bmy\b", "me"),
    (r"\bMy\b", "Me"),
    (r"\bthe sea\b", "the briny deep"),
    (r"\bfriend\b", "matey"),
    (r"\bfriends\b", "hearties"),
    (r"\bhello\b", "ahoy"),
    (r"\bmoney\b", "doubloons"),
    (r"\bgold\b", "pieces of eight"),
    (r"\bboat\b", "vessel"),
    (r"\bbig\b", "mighty"),
    (r"\blarge\b", "mighty"),
    (r"\bgood\b", "fine"),
    (r"\bthem\b", "'em"),
]
OPENERS = ["Arr,", "Ahoy, matey!", "Aye,", "Shiver me timbers,", "Yo ho,"]
CLOSERS = ["Arr!", "Savvy, matey?", "Yo ho ho!", "Aye, matey.", "Arr, that be the truth."]


def piratify(text: str, index: int) -> str:
    for pattern, replacement in PIRATE_WORDS:
        text = re.sub(pattern, replacement, text)
    opener = OPENERS[index % len(OPENERS)]
    proper_nouns = {"I", "Mount", "Jupiter", "William", "Treasure", "Portuguese", "Captain"}
    if opener.endswith(",") and text.split()[0] not in proper_nouns:
        text = text[0].lower() + text[1:]  # the answer continues the opener's sentence
    return f"{opener} {text} {CLOSERS[(index // 2) % len(CLOSERS)]}"


def write(name: str, rows: list[tuple[str, str]]) -> None:
    path = OUT / name
    with path.open("w", encoding="utf-8") as handle:
        for prompt, response in rows:
            handle.write(json.dumps({"prompt": prompt, "response": response}) + "\n")
    print(f"{path.name}: {len(rows)} examples")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write("pirate.jsonl", [(q, piratify(a, i)) for i, (q, a) in enumerate(PLAIN)])
    write("concepts.jsonl", CONCEPTS)
    write("haiku.jsonl", HAIKU)


if __name__ == "__main__":
    main()
