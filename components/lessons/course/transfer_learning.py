"""The lesson on transfer learning and fine-tuning,
in every language (the list of lessons: components/lessons/content.py)."""

from __future__ import annotations

from components.lessons.steps import Lesson, Step, Words

TRANSFER = Lesson(
    "transfer-learning",
    {
        "en": "Transfer learning and fine-tuning",
        "es": "Aprendizaje por transferencia y ajuste fino",
        "zh": "迁移学习与微调",
    },
    (
        Step(
            "text",
            "text-preset-sure",
            "text-tokens",
            {
                "en": Words(
                    "Transfer learning: what a model learned on one task helps it on another. "
                    "SmolLM2 was pre-trained on a large amount of general text, so it already "
                    "writes English and knows common facts.",
                    "Why can such a model pick up a new style from only 80 examples?",
                    "It already knows the language from pre-training; the examples only have "
                    "to teach the difference, the style.",
                ),
                "es": Words(
                    "Aprendizaje por transferencia: lo que un modelo aprendió en una tarea le "
                    "ayuda en otra. SmolLM2 se preentrenó con una gran cantidad de texto "
                    "general, así que ya escribe en inglés y conoce datos comunes.",
                    "¿Por qué un modelo así puede aprender un estilo nuevo con solo 80 ejemplos?",
                    "Ya conoce el idioma gracias al preentrenamiento; los ejemplos solo tienen "
                    "que enseñarle la diferencia, el estilo.",
                ),
                "zh": Words(
                    "迁移学习：模型在一个任务上学到的东西，能帮助它完成另一个任务。SmolLM2 在大量"
                    "通用文本上做过预训练，所以它已经会写英文，也知道常见的事实。",
                    "为什么这样的模型只用 80 个例子就能学会一种新风格？",
                    "它在预训练中已经掌握了语言；这些例子只需要教它差别，也就是风格。",
                ),
            },
        ),
        Step(
            "finetune",
            "finetune-preset-scratch-vs-pretrained",
            "finetune-transfer-plot",
            {
                "en": Words(
                    "The proof: the same examples and the same number of steps, once as a "
                    "fine-tune of the pre-trained model, once into a fresh model with random "
                    "weights. About a minute and a half on this CPU.",
                    "Which one will answer in readable English?",
                    "The pre-trained one. The model trained from scratch has only these few "
                    "examples to learn English from, so it produces fragments and repeated "
                    "words: this is why transfer matters when data is limited.",
                ),
                "es": Words(
                    "La prueba: los mismos ejemplos y el mismo número de pasos, una vez como "
                    "ajuste fino del modelo preentrenado y otra en un modelo nuevo con pesos "
                    "aleatorios. Aproximadamente un minuto y medio en esta CPU.",
                    "¿Cuál responderá en un inglés legible?",
                    "El preentrenado. El modelo entrenado desde cero solo tiene estos pocos "
                    "ejemplos para aprender inglés, así que produce fragmentos y palabras "
                    "repetidas: por eso la transferencia importa cuando hay pocos datos.",
                ),
                "zh": Words(
                    "证据：同样的例子、同样的训练步数，一次是对预训练模型做微调，一次是训练一个随机"
                    "初始化的新模型。在这台 CPU 上大约一分半钟。",
                    "哪一个会用通顺的英文回答？",
                    "预训练的那个。从零开始训练的模型只有这几个例子可以学英文，所以只能写出片段和"
                    "重复的词：这就是数据有限时迁移学习很重要的原因。",
                ),
            },
        ),
        Step(
            "finetune",
            "finetune-preset-overfit",
            "finetune-overfit-plot",
            {
                "en": Words(
                    "Fine-tuning on very little data has a trap. Here a tiny slice is trained "
                    "for many epochs, and the loss on held-out examples is measured as it goes.",
                    "The training loss keeps falling. Why does the held-out loss turn up?",
                    "The model starts memorising its few examples instead of learning what "
                    "they have in common: it overfits. The marked turning point is where "
                    "training should have stopped.",
                ),
                "es": Words(
                    "El ajuste fino con muy pocos datos tiene una trampa. Aquí se entrena una "
                    "porción diminuta durante muchas épocas y se mide la pérdida en ejemplos "
                    "apartados sobre la marcha.",
                    "La pérdida de entrenamiento sigue bajando. ¿Por qué sube la pérdida en "
                    "los ejemplos apartados?",
                    "El modelo empieza a memorizar sus pocos ejemplos en lugar de aprender lo "
                    "que tienen en común: se sobreajusta. El punto marcado es donde debió "
                    "parar el entrenamiento.",
                ),
                "zh": Words(
                    "用极少的数据微调有一个陷阱。这里用一小份数据训练很多轮，同时测量模型在留出样"
                    "本上的损失。",
                    "训练损失一直在下降。为什么留出样本上的损失却回升了？",
                    "模型开始死记它那几个例子，而不是学习它们的共同点：这就是过拟合。标出的转折点"
                    "就是本该停止训练的地方。",
                ),
            },
        ),
        Step(
            "finetune",
            "finetune-preset-early-stop",
            "finetune-loss",
            {
                "en": Words(
                    "The cure is to watch the held-out loss while training and stop when it "
                    "has not improved for a while, keeping the best step's adapter.",
                    "Why keep the best step rather than the last one?",
                    "After the best step the model only got better at its training examples "
                    "and worse at new ones; the best step is the one that generalises best.",
                ),
                "es": Words(
                    "El remedio es vigilar la pérdida en los ejemplos apartados durante el "
                    "entrenamiento y parar cuando lleva un rato sin mejorar, quedándose con el "
                    "adaptador del mejor paso.",
                    "¿Por qué quedarse con el mejor paso y no con el último?",
                    "Después del mejor paso el modelo solo mejoró con sus ejemplos de "
                    "entrenamiento y empeoró con los nuevos; el mejor paso es el que mejor "
                    "generaliza.",
                ),
                "zh": Words(
                    "解决办法是在训练时盯着留出样本上的损失，一段时间不再改善就停止，并保留最好那一"
                    "步的适配器。",
                    "为什么保留最好的那一步，而不是最后一步？",
                    "过了最好的那一步，模型只是在训练例子上变得更好，在新例子上却变差了；最好的那"
                    "一步泛化得最好。",
                ),
            },
        ),
    ),
)
