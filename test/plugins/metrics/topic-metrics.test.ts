import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

test('/metrics has each topic\'s published, delivered and dropped counts and its subscribers, labelled topic only', async (t) => {
  // No dashboard: it subscribes to the runner's own topics, whose figures are checked at 0 here.
  const runner = createRunner({ server: false, admin: { port: 0 }, dashboard: false, signals: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop().catch(() => {}))
  await runner.start()
  const orders = runner.topics.topic<number>('orders')
  orders.subscribe(() => {})
  const slow = orders.subscribe({ overflow: 'latest' })
  for (let n = 1; n <= 4; n++) orders.publish(n)
  const text = (await runner.admin!.inject('/metrics')).body
  assert.match(text, /^# TYPE fsr_topic_published_total counter$/m)
  assert.match(text, /^fsr_topic_published_total\{topic="orders"\} 4$/m)
  assert.match(text, /^fsr_topic_delivered_total\{topic="orders"\} 4$/m)
  assert.match(text, /^fsr_topic_dropped_total\{topic="orders"\} 3$/m)
  assert.match(text, /^# TYPE fsr_topic_subscribers gauge$/m)
  assert.match(text, /^fsr_topic_subscribers\{topic="orders"\} 2$/m)
  assert.match(text, /^fsr_topic_subscribers\{topic="fsr\.lifecycle"\} 0$/m)
  const labelSets = [...text.matchAll(/^fsr_topic_\w+\{([^}]*)\}/gm)].map((match) => match[1].replace(/="[^"]*"/g, ''))
  assert.deepEqual([...new Set(labelSets)], ['topic'])
  await slow.return?.()
})
