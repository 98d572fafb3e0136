import Foundation
import Testing
import Diffusion

/// `t2i quickstart`'s plans: the default config, or small models sized to a time budget.
@Suite struct QuickstartPlanTests {
    @Test("no budget: the default config into the default run")
    func defaultPlan() throws {
        let plan = try QuickstartPlan(minutes: nil)
        #expect(plan.config == RunConfig())
        #expect(plan.defaultRun == "runs/shapes-32")
        // The default config's three stages fit in two hours on the reference machine (issue 16's
        // bar): about 118 minutes at the medians of its first training's logged steps, which took
        // 121 minutes end to end (the shipped model's, on a faster day and engine, took 59).
        #expect(plan.estimatedTotalSeconds > 110 * 60 && plan.estimatedTotalSeconds < 120 * 60, "\(plan.estimatedTotalSeconds)")
    }

    @Test("a 10-minute plan: small models whose steps add up to about 10 minutes, U-Net the largest share")
    func tenMinutes() throws {
        let plan = try QuickstartPlan(minutes: 10)
        #expect(plan.defaultRun == "runs/quickstart-10m")
        #expect(abs(plan.estimatedTotalSeconds - 600) <= 30, "\(plan.estimatedTotalSeconds)")
        let unet = plan.estimatedSeconds(.unet)
        #expect(unet > plan.estimatedSeconds(.encoder) && unet > plan.estimatedSeconds(.autoencoder))
        let c = plan.config
        // The parts must fit together as the stages check them.
        #expect(c.unet.crossAttentionDim == c.textEncoder.hiddenSize)
        #expect(c.unet.inChannels == c.vae.latentChannels)
        #expect(c.unet.sampleSize * 4 == c.data.size && c.vae.blockOutChannels.count == 3)
        // The data the plan was chosen on (one image in ten with two objects, its own folder), the
        // default's tokenizer and sampler, so the images compare (guidance 3, see `smallModels`).
        #expect(c.data.path == "data/shapes-32" && c.data.twoObjectFraction == 0.1)
        var data = c.data
        (data.path, data.twoObjectFraction) = (RunConfig().data.path, RunConfig().data.twoObjectFraction)
        #expect(data == RunConfig().data && c.tokenizer == RunConfig().tokenizer)
        #expect(c.sampling.guidance == 3 && c.sampling == RunConfig().sampling)
        // The measured 10-minute split: about 1350 encoder, 1400 autoencoder and 1550 U-Net steps.
        #expect((plan.steps(.encoder), plan.steps(.autoencoder), plan.steps(.unet)) == (1340, 1390, 1550))
        for training in [c.encoderTraining, c.vaeTraining, c.unetTraining] {
            #expect(training.steps >= 100 && training.steps % 10 == 0)
            #expect(training.warmupSteps == min(100, training.steps / 10))
            #expect(training.previewEvery == training.steps)
        }
        // The resolved config survives the YAML round trip a run folder makes.
        #expect(try ConfigLoader.resolve(yaml: ConfigLoader.yaml(c), source: "config.yaml") == c)
    }

    @Test("steps grow with the budget")
    func scaling() throws {
        let ten = try QuickstartPlan(minutes: 10), thirty = try QuickstartPlan(minutes: 30)
        for stage in QuickstartPlan.Stage.allCases {
            let ratio = Double(thirty.steps(stage)) / Double(ten.steps(stage))
            #expect(ratio > 3.0 && ratio < 3.4, "\(stage): \(ratio)")  // (30 - 1) / (10 - 1) ≈ 3.2
        }
        #expect(thirty.config.unet == ten.config.unet)
    }

    @Test("a budget outside 5–180 minutes is refused, naming the option")
    func outOfRange() {
        for minutes in [4, 0, -3, 181] {
            let error = #expect(throws: TrainingError.self) { try QuickstartPlan(minutes: minutes) }
            #expect(error?.message == "--minutes \(minutes): choose 5 to 180 (or leave it out to train the default config)")
        }
    }
}
