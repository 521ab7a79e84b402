-- Q2. Most frequent words in questions, without Portuguese and English stop words.
SELECT
    word AS keyword,
    count(*) AS occurrences
FROM questions
CROSS JOIN UNNEST(split(normalized_text, ' ')) AS words (word)
WHERE length(word) >= 3
  AND word NOT IN (
      -- Portuguese
      'que', 'com', 'para', 'por', 'uma', 'uns', 'umas', 'dos', 'das', 'nos', 'nas', 'aos', 'pelo', 'pela',
      'como', 'qual', 'quais', 'quando', 'onde', 'porque', 'quem', 'quanto', 'quantos', 'quantas',
      'meu', 'minha', 'meus', 'minhas', 'seu', 'sua', 'seus', 'suas', 'voce', 'voces', 'ele', 'ela', 'eles',
      'elas', 'nao', 'sim', 'mas', 'mais', 'muito', 'isso', 'isto', 'esse', 'essa', 'este', 'esta', 'estou',
      'tem', 'ter', 'sao', 'ser', 'foi', 'era', 'vai', 'pode', 'posso', 'consigo', 'existe', 'ainda', 'tambem',
      'ate', 'sem', 'sobre', 'depois', 'antes', 'aqui', 'obrigado', 'obrigada', 'ola', 'bom', 'boa', 'dia',
      'faco', 'faz', 'fazer', 'fiz', 'vou',
      -- English
      'the', 'and', 'for', 'are', 'was', 'were', 'you', 'your', 'how', 'what', 'when', 'where', 'why', 'who',
      'which', 'can', 'could', 'does', 'did', 'this', 'that', 'with', 'not', 'have', 'has', 'from', 'there',
      'any', 'should', 'would', 'will', 'please', 'thanks', 'hello'
  )
GROUP BY 1
ORDER BY occurrences DESC, keyword
LIMIT 20
