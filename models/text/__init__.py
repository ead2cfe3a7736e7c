"""Text generation: language models writing token by token, and the engines that run them."""
