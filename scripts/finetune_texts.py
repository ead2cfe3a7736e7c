"""Hand-written question/answer pairs for two of the built-in fine-tuning sets (used by
scripts/make_finetune_sets.py): the playground's concepts, and topics answered with a haiku."""

CONCEPTS = [
    (
        "What is generative AI?",
        "Generative AI learns patterns from many examples and uses them to create new data, such as text or images.",
    ),
    (
        "How is predictive AI different from generative AI?",
        "Predictive AI answers with a label or a number about an input; generative AI produces new content that resembles its training data.",
    ),
    (
        "What is an embedding?",
        "An embedding is a list of numbers that represents a word, sentence or image, placed so that similar meanings end up close together.",
    ),
    (
        "Why are embeddings useful?",
        "They turn meaning into geometry, so programs can measure similarity, search and cluster by computing distances.",
    ),
    (
        "What is a token?",
        "A token is a piece of text, often a word or part of a word, that a language model reads and writes one at a time.",
    ),
    (
        "What is a transformer?",
        "A transformer is a neural network architecture built from self-attention layers; it powers today's language models.",
    ),
    (
        "What is self-attention?",
        "Self-attention lets every token weigh every other token when building its representation, so context flows across the whole text.",
    ),
    (
        "What is an attention head?",
        "An attention head is one of several parallel attention patterns in a layer; different heads learn to look for different relations.",
    ),
    (
        "Why do transformers process tokens in parallel?",
        "Attention compares all tokens at once instead of stepping through them, which makes training fast and long-range links easy to learn.",
    ),
    (
        "What is transfer learning?",
        "Transfer learning reuses what a model learned on one task to do well on another, especially when the new task has little data.",
    ),
    (
        "What is fine-tuning?",
        "Fine-tuning continues training a pretrained model on a small specialised data set so it adapts to a new task or style.",
    ),
    (
        "What is LoRA?",
        "LoRA fine-tunes a model by learning small low-rank updates next to frozen weights, so only a tiny fraction of parameters change.",
    ),
    (
        "Why freeze the base model when fine-tuning?",
        "Freezing keeps the general knowledge intact, saves memory, and makes the learned change small enough to store and share.",
    ),
    (
        "What is a held-out set?",
        "A held-out set is data kept out of training and used to check whether the model learned something general.",
    ),
    (
        "What does the loss measure?",
        "The loss measures how surprised the model is by the correct answer; lower loss means better predictions.",
    ),
    (
        "What is perplexity?",
        "Perplexity is the exponential of the average loss: roughly how many tokens the model is choosing between at each step.",
    ),
    (
        "What does temperature do when sampling?",
        "Temperature rescales the probabilities: low values make the model pick likely tokens, high values make it more adventurous.",
    ),
    (
        "What is top-k sampling?",
        "Top-k sampling keeps only the k most likely next tokens and picks among them.",
    ),
    (
        "What is top-p sampling?",
        "Top-p sampling keeps the smallest set of tokens whose probabilities add up to p, then picks among them.",
    ),
    (
        "What is greedy decoding?",
        "Greedy decoding always picks the most likely next token; it is deterministic but can be repetitive.",
    ),
    (
        "What is a diffusion model?",
        "A diffusion model learns to remove noise step by step, so it can turn pure noise into a new image.",
    ),
    (
        "What is classifier-free guidance?",
        "It mixes predictions with and without the prompt to push an image model to follow the prompt more closely.",
    ),
    (
        "What is UMAP?",
        "UMAP is a method that squeezes high-dimensional embeddings into two or three dimensions while keeping neighbours close.",
    ),
    (
        "What are the stages of a model's life cycle?",
        "Collect data, pre-process it, train, fine-tune, deploy, and maintain the model over time.",
    ),
    (
        "What happens in pre-processing?",
        "Data is cleaned and turned into numbers, for example by splitting text into tokens.",
    ),
    (
        "What does deploying a model mean?",
        "Deploying puts a trained model behind an app or an API so people and programs can use it.",
    ),
    (
        "Why do models need maintenance?",
        "Data and needs change, so models are monitored, updated and sometimes replaced.",
    ),
    (
        "What is a parameter?",
        "A parameter is one of the numbers a model adjusts during training; small models have millions, large ones billions.",
    ),
    (
        "What is a pretrained model?",
        "A pretrained model has already learned general patterns from a large data set and can be adapted to new tasks.",
    ),
    (
        "What is overfitting?",
        "Overfitting is when a model memorises its training examples and does worse on new ones.",
    ),
    (
        "What is a learning rate?",
        "The learning rate sets how big each training step is; too high is unstable, too low is slow.",
    ),
    ("What is an epoch?", "An epoch is one full pass over the training data."),
    (
        "What is a context window?",
        "The context window is the number of tokens a language model can look at when predicting the next one.",
    ),
    (
        "Why does a language model sometimes make things up?",
        "It predicts likely text rather than checking facts, so fluent but false answers are possible.",
    ),
    (
        "What is a chat template?",
        "A chat template formats a conversation into the special tokens an instruction-tuned model was trained with.",
    ),
    (
        "What is quantization?",
        "Quantization stores a model's numbers with fewer bits, making it smaller and often faster with little loss in quality.",
    ),
    (
        "What is a causal language model?",
        "A causal language model predicts each token from the tokens before it, never from the ones after.",
    ),
    (
        "What is an encoder model?",
        "An encoder reads a whole text at once, each token seeing all others, and produces representations such as embeddings.",
    ),
    (
        "What is cosine similarity?",
        "Cosine similarity compares the directions of two vectors: 1 means the same direction, 0 means unrelated.",
    ),
    (
        "What does this playground show?",
        "It lets you generate text and images, map embeddings, inspect attention and fine-tune a model, all with real models.",
    ),
]

HAIKU = [
    (
        "Write a haiku about the sea.",
        "Grey waves fold and break\nsalt wind carries gull voices\nthe tide keeps its time",
    ),
    (
        "Write a haiku about autumn.",
        "Red leaves drift and spin\nthe maple lets go its year\ncool air smells of rain",
    ),
    (
        "Write a haiku about a cat.",
        "Curled in the sun's square\nthe cat dreams of distant birds\none ear still listens",
    ),
    (
        "Write a haiku about coffee.",
        "Steam climbs from the cup\nbitter warmth wakes the morning\nthe day starts to speak",
    ),
    (
        "Write a haiku about winter.",
        "Snow hushes the street\nfootprints fill before the dawn\nbreath hangs in the air",
    ),
    (
        "Write a haiku about the moon.",
        "Pale lamp over roofs\nthe moon walks its silver path\nwithout a shadow",
    ),
    (
        "Write a haiku about rain.",
        "Rain taps on the glass\nsmall rivers race down the pane\nthe garden drinks deep",
    ),
    (
        "Write a haiku about a mountain.",
        "Stone shoulders in cloud\nthe mountain waits for no one\nsnow keeps its secrets",
    ),
    (
        "Write a haiku about spring.",
        "Green tips break the soil\nblossoms open to the bees\nthe light lingers long",
    ),
    (
        "Write a haiku about a city at night.",
        "Windows hold small suns\ntaxis hum along wet streets\nthe city stays up",
    ),
    (
        "Write a haiku about a computer.",
        "Quiet fans whisper\nmillions of small sums per breath\nthe screen glows with thought",
    ),
    (
        "Write a haiku about friendship.",
        "Two cups on the step\nlong talk that needs no answer\nsilence shared is warm",
    ),
    (
        "Write a haiku about the wind.",
        "Wind combs the tall grass\nit carries seeds far away\nno one sees it pass",
    ),
    (
        "Write a haiku about a river.",
        "The river bends slow\ncarrying leaves to the sea\nit never looks back",
    ),
    (
        "Write a haiku about summer.",
        "Long gold afternoon\ncicadas saw at the heat\nwater glints and sleeps",
    ),
    (
        "Write a haiku about a forest.",
        "Tall pines hold the hush\nmoss softens every footstep\nlight falls in green coins",
    ),
    (
        "Write a haiku about a train.",
        "Steel song on the rails\nfields blur past the window glass\nstations come and go",
    ),
    (
        "Write a haiku about books.",
        "Paper holds old voices\nturn a page and worlds unfold\nink outlives the hand",
    ),
    (
        "Write a haiku about the stars.",
        "Cold sparks far away\nthe night sky writes its old map\nwe read it in awe",
    ),
    (
        "Write a haiku about a garden.",
        "Tomatoes redden\nbees drift between the bean flowers\nthe hose coils and drips",
    ),
    (
        "Write a haiku about learning.",
        "A new word takes root\nslow practice turns into ease\nthe mind grows its rings",
    ),
    (
        "Write a haiku about a storm.",
        "Thunder rolls its drums\nthe trees bow low to the wind\nthen the world is washed",
    ),
    (
        "Write a haiku about morning.",
        "Birdsong before light\nthe kettle starts its soft hiss\nthe window turns pink",
    ),
    (
        "Write a haiku about the desert.",
        "Dunes shift in the heat\nthe wind redraws every line\nstars burn through the cold",
    ),
    (
        "Write a haiku about music.",
        "A note leaves the string\nit hangs in the listening air\nthen the next one comes",
    ),
    (
        "Write a haiku about a bird.",
        "Small wings on a wire\nthe sparrow counts the morning\nthen is gone like thought",
    ),
    (
        "Write a haiku about the ocean floor.",
        "Far below the waves\nslow creatures glow in the dark\nwhere no sunlight goes",
    ),
    (
        "Write a haiku about a candle.",
        "A small flame leans left\nwax pools and the shadows dance\nthe room feels smaller",
    ),
    (
        "Write a haiku about bread.",
        "Flour, water, time\nthe dough rises in the warmth\nthe kitchen smells gold",
    ),
    (
        "Write a haiku about a bicycle.",
        "Two wheels and a breath\nthe hill falls away beneath\nwind fills the jacket",
    ),
    (
        "Write a haiku about snowfall.",
        "Flakes drift without sound\nthe fence posts wear white caps now\nthe world starts again",
    ),
    (
        "Write a haiku about a lighthouse.",
        "One eye on the rocks\nit sweeps the dark water clear\nships pass and are safe",
    ),
    (
        "Write a haiku about tea.",
        "Leaves unfurl in heat\namber color fills the pot\npatience has a taste",
    ),
    (
        "Write a haiku about the sun.",
        "The sun lifts its head\nshadows shrink back to their feet\nthe day opens wide",
    ),
    (
        "Write a haiku about a dog.",
        "Tail drums on the floor\nthe leash waits beside the door\njoy needs no reason",
    ),
    (
        "Write a haiku about a clock.",
        "Hands circle the face\neach tick a small door closing\ntime walks on its own",
    ),
    (
        "Write a haiku about a bridge.",
        "Stone arch over stream\ntwo banks shake hands in the mist\nfootsteps cross and fade",
    ),
    (
        "Write a haiku about fireflies.",
        "Green sparks in the dusk\nthe meadow blinks its lanterns\nchildren hold their breath",
    ),
    (
        "Write a haiku about homework.",
        "Pencil taps the page\nthe clock is slower than me\none more sum to go",
    ),
    (
        "Write a haiku about the first day of school.",
        "New shoes and a bag\nbig doors open to the noise\na friend waves hello",
    ),
]
