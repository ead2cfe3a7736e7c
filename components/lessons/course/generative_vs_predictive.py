"""The lesson on generative vs predictive AI,
in every language (the list of lessons: components/lessons/content.py)."""

from __future__ import annotations

from components.lessons.steps import Lesson, Step, Words

GENERATIVE_PREDICTIVE = Lesson(
    "generative-vs-predictive",
    {
        "en": "Generative vs predictive AI",
        "es": "IA generativa frente a IA predictiva",
        "zh": "生成式 AI 与预测式 AI",
    },
    (
        Step(
            "text",
            "text-preset-story",
            "text-output",
            {
                "en": Words(
                    "A generative model makes new data that looks like the data it learned from. "
                    "This language model read a great deal of English; now it writes the opening "
                    "of a story that nobody wrote before.",
                    "If we press the same demo again, will the story be the same?",
                    "Yes, word for word. The demo fixes the seed, and the seed decides every "
                    "random choice. With seed -1 (random) every run writes a different story.",
                ),
                "es": Words(
                    "Un modelo generativo crea datos nuevos que se parecen a los datos con los "
                    "que aprendió. Este modelo de lenguaje leyó muchísimo texto en inglés; ahora "
                    "escribe el comienzo de un cuento que nadie había escrito.",
                    "Si pulsamos otra vez la misma demostración, ¿saldrá el mismo cuento?",
                    "Sí, palabra por palabra. La demostración fija la semilla, y la semilla "
                    "decide cada elección al azar. Con la semilla -1 (aleatoria) cada ejecución "
                    "escribe un cuento distinto.",
                ),
                "zh": Words(
                    "生成式模型会创造新的数据，这些数据与它学习过的数据相似。这个语言模型读过大量"
                    "英文文本，现在它写出一个从未有人写过的故事开头。",
                    "如果再按一次同一个演示，故事会一样吗？",
                    "会，一字不差。演示固定了随机种子，而种子决定每一次随机选择。把种子设为 -1"
                    "（随机），每次运行都会写出不同的故事。",
                ),
            },
        ),
        Step(
            "image",
            "image-preset-green-cat",
            "image-output",
            {
                "en": Words(
                    "Generation is not only for text. This small image model was trained on "
                    "simple drawings of cats and shapes. Asked for a green cat, it draws one.",
                    "Its training pictures had no green cats. Where does this one come from?",
                    "The model learned 'cat' and 'green' as separate patterns and combines them. "
                    "It generates from what it learned; it does not look pictures up.",
                ),
                "es": Words(
                    "Generar no es solo cosa de texto. Este pequeño modelo de imágenes se entrenó "
                    "con dibujos sencillos de gatos y figuras. Si le pedimos un gato verde, lo "
                    "dibuja.",
                    "Entre sus imágenes de entrenamiento no había gatos verdes. ¿De dónde sale "
                    "este?",
                    "El modelo aprendió «gato» y «verde» como patrones separados y los combina. "
                    "Genera a partir de lo aprendido; no busca imágenes guardadas.",
                ),
                "zh": Words(
                    "生成不只限于文本。这个小型图像模型用猫和几何图形的简单图画训练过。让它画一只"
                    "绿色的猫，它就画了出来。",
                    "它的训练图片里没有绿色的猫。这只猫是从哪里来的？",
                    "模型把“猫”和“绿色”当作两个独立的规律学会了，然后把它们组合起来。它根据学到的"
                    "规律生成图片，而不是去查找存好的图片。",
                ),
            },
        ),
        Step(
            "embeddings",
            "classifier-train",
            "classifier-summary",
            {
                "en": Words(
                    "A predictive model answers a question about the data it is given. This "
                    "classifier reads sentence embeddings and predicts one label for each "
                    "sentence, tested on sentences it never saw.",
                    "Can this classifier write a new film review?",
                    "No. Its output is one of the labels it was trained on, with a probability "
                    "for each. Predicting a label and generating new text are different jobs.",
                ),
                "es": Words(
                    "Un modelo predictivo responde a una pregunta sobre los datos que recibe. "
                    "Este clasificador lee las incrustaciones (embeddings) de las frases y "
                    "predice una etiqueta para cada una; se evalúa con frases que nunca vio.",
                    "¿Puede este clasificador escribir una reseña de cine nueva?",
                    "No. Su salida es una de las etiquetas con las que se entrenó, con una "
                    "probabilidad para cada una. Predecir una etiqueta y generar texto nuevo "
                    "son tareas distintas.",
                ),
                "zh": Words(
                    "预测式模型回答关于输入数据的问题。这个分类器读取句子的嵌入向量，为每个句子预测"
                    "一个标签，并在它从未见过的句子上测试。",
                    "这个分类器能写出一篇新的影评吗？",
                    "不能。它的输出只是训练时见过的标签之一，并给每个标签一个概率。预测标签和生成新"
                    "文本是两种不同的任务。",
                ),
            },
            opens="classifier",
        ),
        Step(
            "text",
            "text-preset-sample",
            "text-sample-table",
            {
                "en": Words(
                    "Generating means sampling: the same prompt, four seeds, four different "
                    "continuations. Each is new text, and each comes with how likely the model "
                    "found it.",
                    "What would change at temperature 0?",
                    "All four would be the same text. At temperature 0 the model always takes "
                    "its most likely token, so nothing is left to chance.",
                ),
                "es": Words(
                    "Generar es muestrear: el mismo prompt, cuatro semillas, cuatro "
                    "continuaciones distintas. Cada una es texto nuevo y lleva cuánta "
                    "probabilidad le dio el modelo.",
                    "¿Qué cambiaría con temperatura 0?",
                    "Las cuatro serían el mismo texto. Con temperatura 0 el modelo toma siempre "
                    "el token más probable, así que no queda nada al azar.",
                ),
                "zh": Words(
                    "生成就是采样：同一个提示词，四个随机种子，得到四段不同的续写。每一段都是新文本，并"
                    "附上模型认为它有多大可能。",
                    "如果温度设为 0，会有什么变化？",
                    "四段会完全相同。温度为 0 时，模型总是选概率最高的 token，没有任何随机性。",
                ),
            },
        ),
    ),
)
