// The topics' figures: published, delivered, dropped and subscribers per topic, labelled `topic`
// only (topic names are a fixed set), read from the runner at scrape time, with nothing kept.
import type { Registry } from 'prom-client'
import type { Runner, TopicFigures } from '../../types/index.ts'
import { registerScrapedMetric } from './scraped-metric.ts'

const FIGURES: ReadonlyArray<{ readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge', readonly figure: keyof Omit<TopicFigures, 'name'> }> = [
  { name: 'fsr_topic_published_total', help: 'Values published on each topic', type: 'counter', figure: 'published' },
  { name: 'fsr_topic_delivered_total', help: 'Values delivered to the subscribers of each topic', type: 'counter', figure: 'delivered' },
  { name: 'fsr_topic_dropped_total', help: 'Values the full mailboxes of each topic\'s subscriptions dropped', type: 'counter', figure: 'dropped' },
  { name: 'fsr_topic_subscribers', help: 'Subscriptions of each topic open now', type: 'gauge', figure: 'subscribers' },
]

export function createTopicMetrics (runner: Runner, registry: Registry): void {
  for (const { name, help, type, figure } of FIGURES) {
    registerScrapedMetric(registry, {
      name,
      help,
      type,
      samples: () => runner.topics.figures().map((figures) => ({ labels: { topic: figures.name }, value: figures[figure] })),
      reset () {},
    })
  }
}
