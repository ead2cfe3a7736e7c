"""The lesson on embeddings,
in every language (the list of lessons: components/lessons/content.py)."""

from __future__ import annotations

from components.lessons.steps import Lesson, Step, Words

EMBEDDINGS = Lesson(
    "embeddings",
    {"en": "Embeddings", "es": "Incrustaciones (embeddings)", "zh": "嵌入向量"},
    (
        Step(
            "embeddings",
            "embeddings-preset-topics",
            "embeddings-map",
            {
                "en": Words(
                    "An embedding turns a sentence into a list of numbers, a vector, so that "
                    "sentences with similar meanings get similar vectors. Here sentences on "
                    "five topics become points on a map.",
                    "Where will sentences about the same topic land?",
                    "Close together, as an island. The map squeezes 384 numbers into 2, so "
                    "distances on it are only approximate.",
                ),
                "es": Words(
                    "Una incrustación (embedding) convierte una frase en una lista de números, "
                    "un vector, de modo que frases con significados parecidos reciben vectores "
                    "parecidos. Aquí frases sobre cinco temas se vuelven puntos en un mapa.",
                    "¿Dónde caerán las frases sobre el mismo tema?",
                    "Juntas, como una isla. El mapa comprime 384 números en 2, así que las "
                    "distancias en él son solo aproximadas.",
                ),
                "zh": Words(
                    "嵌入把一个句子变成一串数字，也就是一个向量，让意思相近的句子得到相近的向量。"
                    "这里五个主题的句子变成了地图上的点。",
                    "同一主题的句子会落在哪里？",
                    "会聚在一起，像一座小岛。地图把 384 个数字压缩成 2 个，所以图上的距离只是近似"
                    "的。",
                ),
            },
        ),
        Step(
            "embeddings",
            "embeddings-preset-umap-vs-pca",
            "embeddings-compare",
            {
                "en": Words(
                    "The map is a projection. UMAP and PCA squeeze the same vectors into two "
                    "numbers in different ways, shown side by side.",
                    "Which one keeps the islands apart better, and why?",
                    "UMAP, usually: it tries to keep each point's neighbours near it. PCA keeps "
                    "the two directions of greatest spread, so islands can overlap.",
                ),
                "es": Words(
                    "El mapa es una proyección. UMAP y PCA comprimen los mismos vectores en dos "
                    "números de maneras distintas, mostradas una al lado de la otra.",
                    "¿Cuál separa mejor las islas y por qué?",
                    "Normalmente UMAP: intenta mantener a cada punto cerca de sus vecinos. PCA "
                    "conserva las dos direcciones de mayor dispersión, así que las islas pueden "
                    "solaparse.",
                ),
                "zh": Words(
                    "地图是一种投影。UMAP 和 PCA 用不同的方法把同一批向量压缩成两个数字，这里并排"
                    "显示。",
                    "哪一种更能把小岛分开？为什么？",
                    "通常是 UMAP：它尽量让每个点靠近它的邻居。PCA 保留分布最广的两个方向，所以小"
                    "岛可能会重叠。",
                ),
            },
        ),
        Step(
            "embeddings",
            "embeddings-preset-3d",
            "embeddings-map",
            {
                "en": Words(
                    "The same vectors in three dimensions: drag the map to turn it.",
                    "Does the third dimension change the sentences' vectors?",
                    "No. Each vector still has 384 numbers; the 3-D map keeps one more "
                    "dimension of them, so a little less is squeezed away.",
                ),
                "es": Words(
                    "Los mismos vectores en tres dimensiones: arrastra el mapa para girarlo.",
                    "¿Cambia la tercera dimensión los vectores de las frases?",
                    "No. Cada vector sigue teniendo 384 números; el mapa 3D conserva una "
                    "dimensión más de ellos, así que se pierde un poco menos al comprimir.",
                ),
                "zh": Words(
                    "同一批向量的三维视图：拖动地图可以旋转它。",
                    "第三个维度会改变句子的向量吗？",
                    "不会。每个向量仍然有 384 个数字；三维地图多保留了一个维度，所以压缩时丢掉的信"
                    "息少一点。",
                ),
            },
        ),
        Step(
            "embeddings",
            "classifier-train",
            "classifier-map",
            {
                "en": Words(
                    "Because meaning is now numbers, a simple model can learn from it: a "
                    "logistic regression on the embeddings sorts sentences by sentiment.",
                    "It never saw the held-out sentences. Why does it get most of them right?",
                    "Sentences with the same sentiment have nearby vectors, so a boundary that "
                    "separates the training points also separates new ones.",
                ),
                "es": Words(
                    "Como el significado ahora son números, un modelo sencillo puede aprender "
                    "de él: una regresión logística sobre las incrustaciones clasifica las "
                    "frases por sentimiento.",
                    "Nunca vio las frases apartadas. ¿Por qué acierta la mayoría?",
                    "Las frases con el mismo sentimiento tienen vectores cercanos, así que una "
                    "frontera que separa los puntos de entrenamiento también separa los nuevos.",
                ),
                "zh": Words(
                    "既然意思已经变成了数字，一个简单的模型就能从中学习：在嵌入向量上做逻辑回归，"
                    "按情感给句子分类。",
                    "它从没见过留出的句子。为什么大多数都分对了？",
                    "情感相同的句子向量相近，所以能分开训练点的边界，也能分开新的点。",
                ),
            },
            opens="classifier",
        ),
    ),
)
