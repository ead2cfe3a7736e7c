"""The lesson on transformers and self-attention,
in every language (the list of lessons: components/lessons/content.py)."""

from __future__ import annotations

from components.lessons.steps import Lesson, Step, Words

TRANSFORMERS = Lesson(
    "transformers",
    {
        "en": "Transformers and self-attention",
        "es": "Transformers y autoatención",
        "zh": "Transformer 与自注意力",
    },
    (
        Step(
            "attention",
            "attention-preset-previous-token",
            "attention-main",
            {
                "en": Words(
                    "In self-attention every token looks at the tokens before it and takes in "
                    "information from them. Each row of this heatmap is one token, and its "
                    "weights add up to 1.",
                    "What does the bright line just below the diagonal mean?",
                    "Each token puts most of its weight on the token right before it: this head "
                    "passes the previous token along.",
                ),
                "es": Words(
                    "En la autoatención cada token mira los tokens anteriores y toma "
                    "información de ellos. Cada fila de este mapa de calor es un token, y sus "
                    "pesos suman 1.",
                    "¿Qué significa la línea brillante justo debajo de la diagonal?",
                    "Cada token pone casi todo su peso en el token inmediatamente anterior: "
                    "esta cabeza transmite el token previo.",
                ),
                "zh": Words(
                    "在自注意力中，每个 token 会查看它前面的 token，并从中获取信息。这张热力图的每"
                    "一行是"
                    "一个 token，它的权重加起来等于 1。",
                    "对角线正下方那条亮线是什么意思？",
                    "每个 token 把大部分权重放在紧挨着它的前一个 token 上：这个注意力头负责传递前一"
                    "个 token。",
                ),
            },
        ),
        Step(
            "attention",
            "attention-preset-head-arithmetic",
            "attention-arithmetic-table",
            {
                "en": Words(
                    "Those weights are computed, not looked up: the query's dot product with "
                    "each earlier key, divided by √d, then a softmax. The table shows the real "
                    "numbers beside the heatmap's row.",
                    "Why divide by √d?",
                    "Dot products of long vectors grow with their length. Dividing by √d keeps "
                    "the scores in a range where the softmax does not put all the weight on one "
                    "token.",
                ),
                "es": Words(
                    "Esos pesos se calculan, no se consultan: el producto escalar de la consulta "
                    "con cada clave anterior, dividido por √d, y después un softmax. La tabla "
                    "muestra los números reales junto a la fila del mapa de calor.",
                    "¿Por qué dividir por √d?",
                    "Los productos escalares de vectores largos crecen con su longitud. "
                    "Dividir por √d mantiene las puntuaciones en un rango en el que el softmax "
                    "no pone todo el peso en un solo token.",
                ),
                "zh": Words(
                    "这些权重是算出来的，不是查出来的：查询向量与前面每个键向量的点积，除以 √d，"
                    "再做 softmax。表格把真实数字和热力图那一行并排列出。",
                    "为什么要除以 √d？",
                    "长向量的点积会随长度变大。除以 √d 能让分数保持在合适的范围，softmax 就不会把"
                    "全部权重都压在一个 token 上。",
                ),
            },
        ),
        Step(
            "attention",
            "attention-preset-induction",
            "attention-main",
            {
                "en": Words(
                    "Some heads do cleverer jobs. The words here repeat; in the second copy this "
                    "head looks from each word to the word that followed its first appearance.",
                    "How does that help the model continue a list it has seen once?",
                    "It finds the earlier copy of the current word and looks at what came next "
                    "there, so the model can copy that word: an induction head.",
                ),
                "es": Words(
                    "Algunas cabezas hacen trabajos más ingeniosos. Aquí las palabras se "
                    "repiten; en la segunda copia esta cabeza mira desde cada palabra hacia la "
                    "palabra que siguió a su primera aparición.",
                    "¿Cómo ayuda eso al modelo a continuar una lista que vio una sola vez?",
                    "Encuentra la copia anterior de la palabra actual y mira qué vino después, "
                    "así el modelo puede copiar esa palabra: es una cabeza de inducción.",
                ),
                "zh": Words(
                    "有些注意力头做的事更巧妙。这里的词重复了一遍；在第二遍中，这个头从每个词看向"
                    "它第一次出现时紧随其后的那个词。",
                    "这怎样帮助模型接着写出一个只见过一次的列表？",
                    "它找到当前词之前出现的位置，看那里后面跟着什么，模型就能照抄那个词：这叫归纳"
                    "头（induction head）。",
                ),
            },
        ),
        Step(
            "attention",
            "attention-preset-logit-lens",
            "attention-lens-grid",
            {
                "en": Words(
                    "Layer after layer, the model refines one vector per token. The logit lens "
                    "asks every layer what it would predict next if it were the last.",
                    "In which layers does ' Rome' appear after 'city of'?",
                    "Only in the last few layers. The earlier layers build up the context; the "
                    "answer forms late.",
                ),
                "es": Words(
                    "Capa tras capa, el modelo refina un vector por token. La lente de logits "
                    "pregunta a cada capa qué predeciría a continuación si fuera la última.",
                    "¿En qué capas aparece ' Rome' después de 'city of'?",
                    "Solo en las últimas capas. Las anteriores construyen el contexto; la "
                    "respuesta se forma tarde.",
                ),
                "zh": Words(
                    "模型一层接一层地完善每个 token 的向量。logit lens（对数几率透镜）问每一层：如"
                    "果"
                    "你是最后一层，你会预测下一个词是什么？",
                    "在 'city of' 之后，' Rome' 出现在哪些层？",
                    "只出现在最后几层。前面的层在构建上下文，答案很晚才形成。",
                ),
            },
        ),
        Step(
            "text",
            "text-preset-too-hot",
            "text-tokens",
            {
                "en": Words(
                    "At the end the model gives every token in its vocabulary a probability and "
                    "a sampler picks one. Temperature reshapes those probabilities.",
                    "What happens at temperature 2?",
                    "The distribution flattens, rare tokens win, and the text falls apart (red "
                    "tokens were unlikely). Lower temperatures, top-k and top-p prevent this.",
                ),
                "es": Words(
                    "Al final el modelo da una probabilidad a cada token de su vocabulario y un "
                    "muestreador elige uno. La temperatura cambia la forma de esas "
                    "probabilidades.",
                    "¿Qué pasa con temperatura 2?",
                    "La distribución se aplana, ganan tokens raros y el texto se desmorona (los "
                    "tokens rojos eran improbables). Temperaturas más bajas, top-k y top-p lo "
                    "evitan.",
                ),
                "zh": Words(
                    "最后，模型给词表里的每个 token 一个概率，再由采样器选出一个。温度会改变这些概"
                    "率的"
                    "形状。",
                    "温度为 2 时会发生什么？",
                    "概率分布变平，罕见的 token 被选中，文本就乱了（红色的 token 概率很低）。降低温"
                    "度、"
                    "使用 top-k 和 top-p 可以避免这种情况。",
                ),
            },
        ),
    ),
)
