// `model_fallbacks:`: a client model name → the other client models tried, in order, once its own candidates failed.
import { z } from 'zod'

const modelName = z.string().min(1, 'must not be empty')

export const modelFallbacksSchema = z.record(modelName, z.array(modelName)).superRefine((fallbacks, context) => {
  for (const [model, others] of Object.entries(fallbacks)) {
    others.forEach((other, index) => {
      if (other === model) context.addIssue({ code: 'custom', path: [model, index], message: `${model} cannot fall back to itself` })
    })
  }
})
