"""The lesson on the life cycle of a model (collect → pre-process → train → fine-tune →
deploy → maintain), in every language (the list of lessons: components/lessons/content.py)."""

from __future__ import annotations

from components.lessons.steps import Lesson, Step, Words

LIFE_CYCLE = Lesson(
    "life-cycle",
    {
        "en": "The life cycle of a model",
        "es": "El ciclo de vida de un modelo",
        "zh": "模型的生命周期",
    },
    (
        Step(
            "finetune",
            "",
            "finetune-summary",
            {
                "en": Words(
                    "1 · Collect. Every model starts with data. The Fine-tune tab's example sets "
                    "are small collected data sets: questions and the answers we want.",
                    "Why is part of the data held back and never trained on?",
                    "To test the model on questions it has not seen. A model that only "
                    "memorised its training data would fail on the held-out part.",
                ),
                "es": Words(
                    "1 · Recopilar. Todo modelo empieza con datos. Los conjuntos de ejemplo de "
                    "la pestaña Ajuste fino son pequeños conjuntos recopilados: preguntas y las "
                    "respuestas que queremos.",
                    "¿Por qué se aparta una parte de los datos y nunca se entrena con ella?",
                    "Para evaluar el modelo con preguntas que no ha visto. Un modelo que solo "
                    "memorizó sus datos de entrenamiento fallaría con la parte apartada.",
                ),
                "zh": Words(
                    "1 · 收集。每个模型都从数据开始。“微调”标签页里的示例集就是收集来的小数据"
                    "集：问题和我们想要的回答。",
                    "为什么要留出一部分数据，从不用来训练？",
                    "为了用模型没见过的问题来测试它。只会死记训练数据的模型，在留出的数据上会"
                    "表现很差。",
                ),
            },
        ),
        Step(
            "tokens",
            "tokens-preset-english",
            "tokens-view",
            {
                "en": Words(
                    "2 · Pre-process. Before training, text is cut into tokens, the units a "
                    "model reads. Here one sentence is cut by five different tokenizers.",
                    "Why do some tokenizers need more tokens for the same sentence?",
                    "Each has its own vocabulary. A word missing from it is split into smaller "
                    "pieces, so a smaller vocabulary, or one trained on other text, needs more "
                    "tokens.",
                ),
                "es": Words(
                    "2 · Preprocesar. Antes de entrenar, el texto se corta en tokens, las "
                    "unidades que lee un modelo. Aquí una frase se corta con cinco tokenizadores "
                    "distintos.",
                    "¿Por qué algunos tokenizadores necesitan más tokens para la misma frase?",
                    "Cada uno tiene su propio vocabulario. Una palabra que no está en él se "
                    "divide en piezas más pequeñas, así que un vocabulario más pequeño, o "
                    "entrenado con otros textos, necesita más tokens.",
                ),
                "zh": Words(
                    "2 · 预处理。训练之前，文本被切分成 token，也就是模型读取的单位。这里"
                    "同一句话被五种不同的分词器切分。",
                    "为什么有些分词器切同一句话需要更多 token？",
                    "每个分词器都有自己的词表。词表里没有的词会被拆成更小的片段，所以词表更小、"
                    "或在其他文本上训练的分词器，需要更多 token。",
                ),
            },
        ),
        Step(
            "image",
            "image-preset-noise-a-picture",
            "image-noise",
            {
                "en": Words(
                    "3 · Train. Training adjusts a model's numbers until its guesses match the "
                    "data. This image model was trained from scratch on one task: take a noisy "
                    "picture and guess the clean one.",
                    "At the highest noise level the picture is pure noise. Why can the model "
                    "still guess something?",
                    "It has learned what its training pictures look like in general, so from "
                    "pure noise it guesses a typical picture. The less noise, the closer its "
                    "guess comes to the real one.",
                ),
                "es": Words(
                    "3 · Entrenar. Entrenar es ajustar los números de un modelo hasta que sus "
                    "conjeturas coincidan con los datos. Este modelo de imágenes se entrenó "
                    "desde cero en una sola tarea: tomar una imagen con ruido y adivinar la "
                    "limpia.",
                    "Con el nivel de ruido más alto la imagen es solo ruido. ¿Por qué el modelo "
                    "aún adivina algo?",
                    "Aprendió cómo son en general sus imágenes de entrenamiento, así que a "
                    "partir del ruido puro adivina una imagen típica. Cuanto menos ruido, más se "
                    "acerca su conjetura a la imagen real.",
                ),
                "zh": Words(
                    "3 · 训练。训练就是不断调整模型里的数字，直到它的猜测与数据相符。这个图像模型"
                    "从零开始只学了一件事：拿到一张加了噪声的图，猜出干净的图。",
                    "在最高的噪声水平下，图片完全是噪声。为什么模型还能猜出一些东西？",
                    "它学会了训练图片大体是什么样子，所以从纯噪声里会猜出一张典型的图片。噪声越"
                    "少，它的猜测就越接近真实的图片。",
                ),
            },
            opens="image-noise",
        ),
        Step(
            "finetune",
            "finetune-preset-pirate",
            "finetune-loss",
            {
                "en": Words(
                    "4 · Fine-tune. Fine-tuning adapts a trained model with a small, specialised "
                    "data set: here 80 pirate-speak answers, about two minutes on this CPU. "
                    "Watch the loss fall.",
                    "After this, will the model know new facts about the sea?",
                    "Hardly. From 80 examples it learns a style, how to answer, rather than new "
                    "knowledge. Teaching a style or a format is what fine-tuning on little data "
                    "does well.",
                ),
                "es": Words(
                    "4 · Ajustar (fine-tuning). El ajuste fino adapta un modelo ya entrenado "
                    "con un conjunto de datos pequeño y especializado: aquí 80 respuestas en "
                    "habla de pirata, unos dos minutos en esta CPU. Observa cómo baja la "
                    "pérdida.",
                    "Después de esto, ¿sabrá el modelo datos nuevos sobre el mar?",
                    "Apenas. Con 80 ejemplos aprende un estilo, cómo responder, más que "
                    "conocimientos nuevos. Enseñar un estilo o un formato es lo que el ajuste "
                    "fino con pocos datos hace bien.",
                ),
                "zh": Words(
                    "4 · 微调。微调用一个小而专门的数据集来调整已经训练好的模型：这里是 80 条海盗"
                    "腔的回答，在这台 CPU 上大约两分钟。请看损失如何下降。",
                    "微调之后，模型会知道关于大海的新知识吗？",
                    "几乎不会。从 80 个例子里它学到的是一种风格，也就是怎么回答，而不是新知识。用"
                    "少量数据教会风格或格式，正是微调擅长的事。",
                ),
            },
        ),
        Step(
            "models",
            "",
            "models-table",
            {
                "en": Words(
                    "5 · Deploy. Deploying puts a model where people and programs can use it. "
                    "Every tab of this playground is also an API endpoint; 'Use via API' at the "
                    "bottom of the page lists them all.",
                    "How would a program use the text model without a browser?",
                    "Through the API, for example with gradio_client: client.predict(prompt_"
                    "text='…', api_name='/generate_text'). The README shows a call for every "
                    "tab.",
                ),
                "es": Words(
                    "5 · Desplegar. Desplegar es poner un modelo donde personas y programas "
                    "puedan usarlo. Cada pestaña de este playground es también un punto de "
                    "acceso de la API; «Usar vía API», al pie de la página, los muestra todos.",
                    "¿Cómo usaría un programa el modelo de texto sin navegador?",
                    "A través de la API, por ejemplo con gradio_client: client.predict(prompt_"
                    "text='…', api_name='/generate_text'). El README muestra una llamada para "
                    "cada pestaña.",
                ),
                "zh": Words(
                    "5 · 部署。部署就是把模型放到人和程序都能使用的地方。这个实验平台的每个标签页"
                    "同时也是一个 API 端点；页面底部的 “通过 API 使用” 列出了全部端点。",
                    "程序不用浏览器，怎样使用这个文本模型？",
                    "通过 API，例如用 gradio_client：client.predict(prompt_text='…', api_name="
                    "'/generate_text')。README 里为每个标签页都给出了调用示例。",
                ),
            },
        ),
        Step(
            "models",
            "",
            "models-table",
            {
                "en": Words(
                    "6 · Maintain. A deployed model needs care: new versions, checks, updates. "
                    "The Models tab shows what is loaded, where it came from, its size and how "
                    "long it took to load.",
                    "When you replace a model with a new version, why keep the old one?",
                    "To compare the two on the tasks your users rely on, and to go back if the "
                    "new one does worse.",
                ),
                "es": Words(
                    "6 · Mantener. Un modelo desplegado necesita cuidados: versiones nuevas, "
                    "comprobaciones, actualizaciones. La pestaña Modelos muestra qué está "
                    "cargado, de dónde viene, su tamaño y cuánto tardó en cargar.",
                    "Cuando sustituyes un modelo por una versión nueva, ¿por qué conservar la "
                    "antigua?",
                    "Para comparar las dos en las tareas de las que dependen tus usuarios, y "
                    "para volver atrás si la nueva funciona peor.",
                ),
                "zh": Words(
                    "6 · 维护。部署后的模型需要照看：新版本、检查、更新。“模型”标签页显示加载了"
                    "什么、来自哪里、有多大，以及加载用了多久。",
                    "用新版本替换模型时，为什么要保留旧版本？",
                    "为了在用户依赖的任务上比较两个版本；如果新版本更差，还可以退回旧版本。",
                ),
            },
        ),
    ),
)
